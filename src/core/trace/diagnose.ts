// "Why doesn't this work?" on a port mapping: the places a published port is usually used from, traced each, and the
// answer first: the first failing place with its reason and fix, or that it works from every place tried.
import { labelOrId } from '../labels';
import { hostOf } from '../net/address';
import { portSpan } from '../net/ports';
import type { Namespace, PortMapping, Snapshot } from '../model';
import type { Protocol, TraceRequest, TraceResult } from './types';

/** Interfaces through which the outside world reaches a namespace: not loopback, not bridges, not bridge ports. */
export function uplinks(ns: Namespace): string[] {
  return ns.interfaces
    .filter((i) => i.kind !== 'loopback' && i.kind !== 'bridge' && i.master === null)
    .map((i) => i.name);
}

/** An address that reaches a mapping from outside: its own when bound, else the first address of an uplink. */
export function mappingAddress(m: PortMapping, ns: Namespace | undefined): string {
  if (m.hostIp !== '0.0.0.0' && m.hostIp !== '::') return m.hostIp;
  return uplinkAddress(ns, m.family === 'ipv6');
}

/** The first address of an uplink of the namespace (loopback when it has none): where the outside reaches it. */
export function uplinkAddress(ns: Namespace | undefined, v6: boolean): string {
  const iface = ns?.interfaces.find(
    (i) => uplinks(ns).includes(i.name) && i.addresses.some((a) => a.includes(':') === v6),
  );
  return hostOf(
    iface?.addresses.find((a) => a.includes(':') === v6 && !a.startsWith('fe80')) ?? (v6 ? '::1' : '127.0.0.1'),
  );
}

/** The first host port of a mapping (a range's start), or null for a mapping of every port. */
export function firstHostPort(m: PortMapping): number | null {
  return m.hostPort === null ? null : portSpan(m.hostPort)[0];
}

export interface DiagnosisSource {
  /** Where the connection comes from and goes to: `outside via eth0 → 198.18.0.1:9090`. */
  label: string;
  request: TraceRequest;
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * Where a published port is usually used from: outside through each uplink of the namespace holding the rule, that
 * namespace itself, and another container on the target's bridge, which reaches its host at the bridge's address (as
 * containers do). Empty for a protocol the trace does not follow or a mapping of every port.
 */
export function mappingSources(snapshot: Snapshot, m: PortMapping): DiagnosisSource[] {
  const ns = snapshot.namespaces.find((n) => n.id === m.namespace);
  const port = firstHostPort(m);
  if (!ns || port === null || (m.protocol !== 'tcp' && m.protocol !== 'udp')) return [];
  const protocol: Protocol = m.protocol;
  const address = mappingAddress(m, ns);
  const label = (id: string) =>
    labelOrId(
      snapshot.namespaces.find((n) => n.id === id),
      id,
    );
  const out: DiagnosisSource[] = uplinks(ns)
    .slice(0, 2)
    .map((iface) => ({
      label: `outside via ${iface} of ${label(ns.id)} → ${hostPort(address, port)}`,
      request: { source: { kind: 'outside', namespace: ns.id, iface }, dst: address, dport: port, protocol },
    }));
  out.push({
    label: `${label(ns.id)} itself → ${hostPort(address, port)}`,
    request: { source: { kind: 'local', namespace: ns.id }, dst: address, dport: port, protocol },
  });
  // The target's bridge, in the namespace holding the rule, and a neighbour of the target on it.
  const target = snapshot.namespaces.find((n) => n.id === m.targetNamespace);
  const bridgeOf = (n: Namespace) =>
    n.interfaces
      .map((i) => i.peer)
      .map((peer) =>
        peer && peer.namespace === ns.id ? (ns.interfaces.find((i) => i.name === peer.ifname)?.master ?? null) : null,
      )
      .find((b) => b !== null) ?? null;
  const bridge = target ? bridgeOf(target) : null;
  const gateway = bridge
    ? ns.interfaces
        .find((i) => i.name === bridge)
        ?.addresses.map(hostOf)
        .find((a) => a.includes(':') === (m.family === 'ipv6') && !a.startsWith('fe80'))
    : undefined;
  const neighbour = snapshot.namespaces.find((n) => n.id !== target?.id && n.id !== ns.id && bridgeOf(n) === bridge);
  if (bridge && gateway && neighbour)
    out.push({
      label: `${label(neighbour.id)} (on ${bridge}) → ${hostPort(gateway, port)}`,
      request: { source: { kind: 'local', namespace: neighbour.id }, dst: gateway, dport: port, protocol },
    });
  return out;
}

export interface Diagnosis {
  /** The first line: the first failing place with its reason and fix, or that every place works. */
  answer: string;
  /** Failing places first, each with its trace. */
  results: { label: string; result: TraceResult }[];
}

export function diagnose(results: readonly { label: string; result: TraceResult }[]): Diagnosis {
  const failing = results.filter((r) => !r.result.connected);
  const ordered = [...failing, ...results.filter((r) => r.result.connected)];
  const first = failing[0];
  const answer = first
    ? `From ${first.label}: ${first.result.answer}`
    : results.length
      ? `Works from all ${results.length} places tried (${results.map((r) => r.label).join('; ')}).`
      : 'Nothing to trace for this mapping.';
  return { answer, results: ordered };
}
