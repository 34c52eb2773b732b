// The packet the trace follows, and how it prints.
import type { Family, NamespaceId } from '../model';
import { endpoint } from '../net/address';
import type { Protocol } from './types';

export interface Packet {
  family: Family;
  protocol: Protocol;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** Set on arrival, cleared when the packet leaves a namespace. */
  inIface: string | null;
  outIface: string | null;
  /** The first packet is NEW; the reply is ESTABLISHED (the direction; `untracked` overrides the state). */
  ctstate: 'NEW' | 'ESTABLISHED';
  /**
   * Set in a namespace whose raw table untracked the packet (NOTRACK, `CT --notrack`, nft's `notrack`): conntrack keeps
   * no entry, so nat chains skip it and it matches `--ctstate UNTRACKED` only. Each namespace has its own conntrack:
   * the engine resets it where the packet enters one.
   */
  untracked?: boolean;
  /** A rule untracked it here (not only the missing entry of an untracked request). */
  untrackedByRule?: boolean;
  /** The namespace whose hooks last saw the packet (to notice it entering another). */
  at?: NamespaceId;
  /** The packet mark. Only MARK rules on the path change it. */
  mark: number;
  /** When a bridge forwards the frame and br_netfilter hands it to iptables: the bridge ports. */
  bridged: { inPort: string; outPort: string } | null;
  /**
   * A routed packet that entered through a bridge port while br_netfilter is on: that port, which `--physdev-in`
   * sees. (A bridged packet has both ports in `bridged`.)
   */
  physIn?: string | null;
}

/** The packet's conntrack state as `--ctstate` sees it. */
export function ctState(p: Packet): 'NEW' | 'ESTABLISHED' | 'UNTRACKED' {
  return p.untracked ? 'UNTRACKED' : p.ctstate;
}

export function packetText(p: Packet): string {
  return `${p.protocol} ${endpoint(p.src, p.sport)} → ${endpoint(p.dst, p.dport)}`;
}

/** A NAT rewrite done in one namespace, remembered so the reply can be un-NATed like conntrack does. */
export interface NatRecord {
  namespace: NamespaceId;
  kind: 'dnat' | 'snat';
  from: { ip: string; port: number };
  to: { ip: string; port: number };
}

/** One direction of a connection as conntrack keeps it. */
export interface Tuple {
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

/** The packet's connection in the namespace whose rules are being walked: conntrack's two tuples and direction. */
export interface Connection {
  direction: 'ORIGINAL' | 'REPLY';
  /** The request as it entered this namespace. */
  original: Tuple;
  /** What a reply looks like on arrival: the original swapped, with this namespace's NAT applied. */
  reply: Tuple;
}

/** The connection of a packet whose namespace did no NAT, when nothing else is known. */
export function connectionOfPacket(p: Packet): Connection {
  const seen = { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
  const swapped = { src: p.dst, sport: p.dport, dst: p.src, dport: p.sport };
  return p.ctstate === 'NEW'
    ? { direction: 'ORIGINAL', original: seen, reply: swapped }
    : { direction: 'REPLY', original: swapped, reply: seen };
}
