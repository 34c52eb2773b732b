// Live connections: the kernel's connection-tracking table of one namespace, as `conntrack -L -o extended` prints it
// (Debian's conntrack-tools), and the port mapping whose DNAT rule translated each connection.
//
//   ipv4     2 tcp      6 431999 ESTABLISHED src=198.18.0.2 dst=198.18.0.1 sport=40000 dport=8080 [packets=5
//   bytes=300] src=172.31.240.2 dst=198.18.0.2 sport=80 dport=40000 [packets=4 bytes=216] [ASSURED] mark=0 use=1
//
// The first tuple is the original direction as the first packet had it; the second the reply as the kernel expects it
// after NAT. A reply source other than the original destination means the destination was translated (DNAT); a reply
// destination other than the original source, the source (SNAT, MASQUERADE).
import { mappingKey } from './labels';
import { endpoint, formatIp, parseIp, sameIp } from './net/address';
import type { Family, NamespaceId, PortMapping } from './model';
import { spanCovers } from './net/ports';

export interface ConnTuple {
  src: string;
  dst: string;
  /** TCP/UDP/SCTP ports; null for protocols without them (ICMP has type, code and id instead). */
  sport: number | null;
  dport: number | null;
  /** With `nf_conntrack_acct` on: this direction's packets and bytes. */
  packets?: number;
  bytes?: number;
}

export interface Connection {
  namespace: NamespaceId;
  family: Family;
  protocol: string;
  /** Seconds until the entry expires. */
  timeout: number;
  /** TCP's state (ESTABLISHED, TIME_WAIT…); null for other protocols. */
  state: string | null;
  original: ConnTuple;
  reply: ConnTuple;
  /** `[ASSURED]`, `[UNREPLIED]`… as printed, without brackets. */
  flags: string[];
  dnat: boolean;
  snat: boolean;
  /** The port mapping whose DNAT rule made this translation (its key, core/labels.ts mappingKey), if one fits. */
  mapping: string | null;
  /** The line as conntrack printed it. */
  line: string;
}

function tuple(fields: Map<string, string>): ConnTuple {
  const n = (k: string) => (fields.has(k) ? Number(fields.get(k)) : undefined);
  const t: ConnTuple = {
    src: fields.get('src') ?? '',
    dst: fields.get('dst') ?? '',
    sport: n('sport') ?? null,
    dport: n('dport') ?? null,
  };
  if (fields.has('packets')) t.packets = n('packets');
  if (fields.has('bytes')) t.bytes = n('bytes');
  return t;
}

/** One line of `conntrack -L -o extended`; null for anything else (its summary goes to stderr). */
export function parseConntrackLine(namespace: NamespaceId, line: string): Omit<Connection, 'mapping'> | null {
  const words = line.trim().split(/\s+/);
  if (words.length < 6 || (words[0] !== 'ipv4' && words[0] !== 'ipv6')) return null;
  const family: Family = words[0];
  const protocol = words[2]!;
  const timeout = Number(words[4]);
  let i = 5;
  const state = words[i] && !words[i]!.includes('=') && !words[i]!.startsWith('[') ? words[i++]! : null;
  const sides: Map<string, string>[] = [];
  const flags: string[] = [];
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('[') && w.endsWith(']')) {
      flags.push(w.slice(1, -1));
      continue;
    }
    const eq = w.indexOf('=');
    if (eq < 0) continue;
    const key = w.slice(0, eq);
    // Each tuple starts at its src=; what follows the second tuple (mark=, use=, zone=…) is the entry's own.
    if (key === 'src') sides.push(new Map());
    const side = sides.at(-1);
    if (side && !side.has(key)) side.set(key, w.slice(eq + 1));
  }
  if (sides.length < 2) return null;
  const original = tuple(sides[0]!);
  const reply = tuple(sides[1]!);
  return {
    namespace,
    family,
    protocol,
    timeout: Number.isFinite(timeout) ? timeout : 0,
    state,
    original,
    reply,
    flags,
    dnat: !sameIp(reply.src, original.dst) || reply.sport !== original.dport,
    snat: !sameIp(reply.dst, original.src) || reply.dport !== original.sport,
    line: line.trim(),
  };
}

/** Every connection `conntrack -L -o extended` printed for `namespace`. */
export function parseConntrack(namespace: NamespaceId, text: string): Omit<Connection, 'mapping'>[] {
  const out: Omit<Connection, 'mapping'>[] = [];
  for (const line of text.split('\n')) {
    const c = parseConntrackLine(namespace, line);
    if (c) out.push(c);
  }
  return out;
}

const inSpan = (port: number | null, spec: PortMapping['hostPort']) => port !== null && spanCovers(spec, port);
const ANY = new Set(['0.0.0.0', '::']);

/** A mapping's place in the look-up: namespace, family, protocol and target address (in one spelling). */
const targetKey = (ns: NamespaceId, family: Family, protocol: string, ip: string) => {
  const parsed = parseIp(ip);
  return `${ns}|${family}|${protocol}|${parsed ? formatIp(parsed) : ip}`;
};

/**
 * The mapping whose DNAT translated `c`: in the namespace whose table holds the entry, same protocol and family, its
 * host address (any, or the original destination) and port taking the original destination, and its target being
 * where the reply comes from. `byTarget` holds the mappings by targetKey (a kube-proxy node has tens of thousands).
 */
function mappingOf(c: Omit<Connection, 'mapping'>, byTarget: Map<string, PortMapping[]>): PortMapping | null {
  if (!c.dnat) return null;
  return (
    byTarget
      .get(targetKey(c.namespace, c.family, c.protocol, c.reply.src))
      ?.find(
        (m) =>
          (ANY.has(m.hostIp) || sameIp(m.hostIp, c.original.dst)) &&
          inSpan(c.original.dport, m.hostPort) &&
          (m.targetPort === null || inSpan(c.reply.sport, m.targetPort)),
      ) ?? null
  );
}

/** The connections with the mapping that translated each, if any. */
export function linkConnections(
  connections: readonly Omit<Connection, 'mapping'>[],
  mappings: readonly PortMapping[],
): Connection[] {
  const byTarget = new Map<string, PortMapping[]>();
  for (const m of mappings) {
    const key = targetKey(m.namespace, m.family, m.protocol, m.targetIp);
    const list = byTarget.get(key);
    if (list) list.push(m);
    else byTarget.set(key, [m]);
  }
  return connections.map((c) => {
    const m = mappingOf(c, byTarget);
    return { ...c, mapping: m ? mappingKey(m) : null };
  });
}

/**
 * A connection on one line: `tcp ESTABLISHED 198.18.0.2:40000 → 198.18.0.1:8080 ⇒ 172.31.240.2:80`, the translated
 * destination after ⇒, the source as the far end sees it after SNAT, and counters when accounting is on.
 */
export function connectionText(c: Omit<Connection, 'mapping'>): string {
  const translated = c.dnat ? ` ⇒ ${endpoint(c.reply.src, c.reply.sport)}` : '';
  const masq = c.snat ? ` (source seen as ${endpoint(c.reply.dst, c.reply.dport)})` : '';
  const counters = c.original.packets !== undefined ? ` ${c.original.packets} pkt ${c.original.bytes} B` : '';
  const state = c.state ? ` ${c.state}` : '';
  return `${c.protocol}${state} ${endpoint(c.original.src, c.original.sport)} → ${endpoint(c.original.dst, c.original.dport)}${translated}${masq}${counters}`;
}
