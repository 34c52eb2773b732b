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
  /** The first packet is NEW; the reply is ESTABLISHED. */
  ctstate: 'NEW' | 'ESTABLISHED';
  /** The packet mark. Only MARK rules on the path change it. */
  mark: number;
  /** When a bridge forwards the frame and br_netfilter hands it to iptables: the bridge ports. */
  bridged: { inPort: string; outPort: string } | null;
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
