// The reachability matrix's axes: who dials (every namespace, and the outside world on each uplink of a namespace that
// publishes ports) and what is dialled (every listening socket, and every published port, under each address a
// client would use).
import { namespaceLabel } from '../labels';
import type { Namespace, NamespaceId, PortMapping, Snapshot } from '../model';
import { endpoint, hostOf, isLoopback, isV6, sameIp } from '../net/address';
import { portSpan } from '../net/ports';
import { uplinks } from '../trace/diagnose';
import type { NamespaceExtras, Protocol, TraceSource } from '../trace/types';

export interface ReachRow {
  /** `NS-ID` for a namespace, `outside:IFACE@NS-ID` for the outside world on an uplink. */
  key: string;
  /** What `trace --from` takes: the namespace id, or `outside:IFACE` (with `namespace` as `--in`). */
  from: string;
  /** The namespace sending (local) or receiving from the uplink (outside). */
  namespace: NamespaceId;
  label: string;
  source: TraceSource;
}

export interface ReachColumn {
  key: string;
  /** The namespace the address belongs to (for a published port: the one holding the rule). */
  namespace: NamespaceId;
  ip: string;
  port: number;
  proto: Protocol;
  /** A socket listening there, or a published port (a DNAT rule) leading on to `target`. */
  kind: 'listener' | 'published';
  /** `nxl-web1 172.31.240.2:80/tcp (nginx)` or `nxl-host 198.18.0.1:8080/tcp → nxl-web1 172.31.240.2:80`. */
  label: string;
  /** A loopback address: only its own namespace can dial it. */
  onlyFrom: NamespaceId | null;
  /** For a published port: where the rule sends it. */
  target: { namespace: NamespaceId | null; ip: string; port: number } | null;
}

export interface ReachScope {
  /** Namespace ids sending, and outside rows (`outside`, `outside:IFACE`, `outside:IFACE@NS-ID`); all when absent. */
  from?: readonly string[];
  /** Namespace ids whose sockets and published ports are columns; all when absent. */
  to?: readonly string[];
}

/** More ports of one published range than this become columns only where something listens. */
const RANGE_PORTS = 16;

const label = (snapshot: Snapshot, id: NamespaceId): string => {
  const ns = snapshot.namespaces.find((n) => n.id === id);
  return ns ? namespaceLabel(ns) : id;
};

/** The addresses a client would dial to reach a socket bound to every address of a family: global ones. */
function dialable(ns: Namespace, v6: boolean): string[] {
  const out: string[] = [];
  for (const i of ns.interfaces)
    for (const a of i.addresses) {
      const ip = hostOf(a);
      if (isV6(ip) !== v6 || isLoopback(ip) || ip.toLowerCase().startsWith('fe80')) continue;
      if (!out.some((o) => sameIp(o, ip))) out.push(ip);
    }
  return out;
}

/** Namespaces whose uplinks get an outside row: the host and every namespace publishing ports. */
export function publishingNamespaces(snapshot: Snapshot): Namespace[] {
  const publishing = new Set(snapshot.portMappings.filter((m) => !m.service).map((m) => m.namespace));
  return snapshot.namespaces.filter((n) => n.kind === 'host' || publishing.has(n.id));
}

function outsideWanted(from: readonly string[] | undefined, iface: string, nsId: NamespaceId): boolean {
  if (from === undefined) return true;
  return from.some((f) => f === 'outside' || f === `outside:${iface}` || f === `outside:${iface}@${nsId}`);
}

export function reachRows(snapshot: Snapshot, scope: ReachScope = {}): ReachRow[] {
  const rows: ReachRow[] = [];
  for (const ns of snapshot.namespaces)
    if (scope.from === undefined || scope.from.includes(ns.id))
      rows.push({
        key: ns.id,
        from: ns.id,
        namespace: ns.id,
        label: namespaceLabel(ns),
        source: { kind: 'local', namespace: ns.id },
      });
  for (const ns of publishingNamespaces(snapshot))
    for (const iface of uplinks(ns))
      if (outsideWanted(scope.from, iface, ns.id))
        rows.push({
          key: `outside:${iface}@${ns.id}`,
          from: `outside:${iface}`,
          namespace: ns.id,
          label: `outside via ${iface} of ${namespaceLabel(ns)}`,
          source: { kind: 'outside', namespace: ns.id, iface },
        });
  return rows;
}

function columnKey(nsId: NamespaceId, ip: string, port: number, proto: Protocol): string {
  return `${nsId}|${proto}|${endpoint(ip, port)}`;
}

/** The ports of a published mapping worth a column: a single port, or a range's ports where the target listens. */
function publishedPorts(m: PortMapping, extras: ReadonlyMap<NamespaceId, NamespaceExtras>): number[] {
  const [lo, hi] = portSpan(m.hostPort);
  if (hi - lo < RANGE_PORTS) return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  const listeners = m.targetNamespace === null ? null : extras.get(m.targetNamespace)?.listeners;
  const [tlo] = portSpan(m.targetPort);
  const hits = (listeners ?? [])
    .filter((l) => l.protocol === m.protocol && m.targetPort !== null)
    .map((l) => l.port - tlo + lo)
    .filter((p) => p >= lo && p <= hi);
  return hits.length ? [...new Set(hits)].sort((a, b) => a - b) : [lo];
}

/** Every address and port a client would dial, per namespace in scope: sockets first, then published ports. */
export function reachColumns(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  scope: ReachScope = {},
): ReachColumn[] {
  const columns = new Map<string, ReachColumn>();
  const inScope = (id: NamespaceId | null) => id !== null && (scope.to === undefined || scope.to.includes(id));
  const add = (c: Omit<ReachColumn, 'key'>) => {
    const key = columnKey(c.namespace, c.ip, c.port, c.proto);
    // A published port also listened on (docker-proxy) is one column: the published one, which says where it leads.
    const had = columns.get(key);
    if (!had || (had.kind === 'listener' && c.kind === 'published')) columns.set(key, { key, ...c });
  };
  for (const ns of snapshot.namespaces) {
    if (!inScope(ns.id)) continue;
    for (const l of extras.get(ns.id)?.listeners ?? []) {
      if (l.protocol !== 'tcp' && l.protocol !== 'udp') continue;
      const proto: Protocol = l.protocol;
      const who = l.processes[0]?.command;
      const at = (ip: string, onlyFrom: NamespaceId | null) =>
        add({
          namespace: ns.id,
          ip,
          port: l.port,
          proto,
          kind: 'listener',
          label: `${namespaceLabel(ns)} ${endpoint(ip, l.port)}/${proto}${who ? ` (${who})` : ''}`,
          onlyFrom,
          target: null,
        });
      const wild4 = l.address === '0.0.0.0' || l.address === '*';
      const wild6 = l.address === '::' || l.address === '*';
      if (wild4 || wild6) {
        const ips = [...(wild4 ? dialable(ns, false) : []), ...(wild6 ? dialable(ns, true) : [])];
        for (const ip of ips) at(ip, null);
        // Nothing but loopback (a `none` container): the socket is still there for the namespace itself.
        if (ips.length === 0) at(wild4 ? '127.0.0.1' : '::1', ns.id);
      } else if (l.address.startsWith('::ffff:')) at(l.address.slice('::ffff:'.length), null);
      else at(l.address, isLoopback(l.address) ? ns.id : null);
    }
  }
  for (const m of snapshot.portMappings) {
    if (m.service || (m.protocol !== 'tcp' && m.protocol !== 'udp') || m.hostPort === null) continue;
    if (!inScope(m.namespace) && !inScope(m.targetNamespace)) continue;
    const ns = snapshot.namespaces.find((n) => n.id === m.namespace);
    if (!ns) continue;
    const v6 = m.family === 'ipv6';
    const any = m.hostIp === '0.0.0.0' || m.hostIp === '::';
    const ips = any ? [...dialable(ns, v6), v6 ? '::1' : '127.0.0.1'] : [m.hostIp];
    const [tlo] = portSpan(m.targetPort);
    const [hlo] = portSpan(m.hostPort);
    for (const port of publishedPorts(m, extras)) {
      const tport = m.targetPort === null ? port : tlo + (port - hlo);
      for (const ip of ips)
        add({
          namespace: m.namespace,
          ip,
          port,
          proto: m.protocol,
          kind: 'published',
          label: `${namespaceLabel(ns)} ${endpoint(ip, port)}/${m.protocol} → ${m.targetNamespace ? `${label(snapshot, m.targetNamespace)} ` : ''}${endpoint(m.targetIp, tport)}`,
          onlyFrom: isLoopback(ip) ? m.namespace : null,
          target: { namespace: m.targetNamespace, ip: m.targetIp, port: tport },
        });
    }
  }
  return [...columns.values()];
}
