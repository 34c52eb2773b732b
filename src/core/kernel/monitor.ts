// The kernel's own trace: `nft -a monitor trace` lines read into events, and the events of one namespace cut into the
// packets they describe (each time a traced packet enters a hook, our tracing chain runs first and prints it).

export interface Tuple {
  proto: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export interface TraceEvent {
  /** The skb's trace id: shared by the events of one packet at one hook entry (and reused by later packets). */
  id: string;
  /** `ip`, `ip6`, `inet`… and the table and chain, as nft names them. */
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'policy' | 'verdict';
  /** The rule as nft prints it (counters included), or the rest of the line. */
  text: string;
  /** The rule's handle (`# handle N`), for rule events. */
  handle: number | null;
  /** `accept`, `drop`, `continue`, `jump DOCKER`, `return`…: a rule's `(verdict …)`, a policy, a chain's end. */
  verdict: string | null;
  /** For packet events: the addresses and ports, and TCP's flags. */
  tuple: Tuple | null;
  flags: string | null;
}

const LINE = /^trace id (\S+) (ip6?|inet|bridge|netdev|arp) (\S+) (\S+) (packet|rule|policy|verdict)(:)? ?(.*)$/;

function tupleOf(text: string): { tuple: Tuple | null; flags: string | null } {
  const src = /\bip6? saddr (\S+)/.exec(text)?.[1];
  const dst = /\bip6? daddr (\S+)/.exec(text)?.[1];
  const l4 = /\b(tcp|udp) sport (\d+) \1 dport (\d+)/.exec(text);
  const flags = /\btcp flags == (.+?)(?= tcp window| tcp \w+|$)/.exec(text)?.[1]?.trim() ?? null;
  if (!src || !dst || !l4) return { tuple: null, flags };
  return { tuple: { proto: l4[1] ?? '', src, dst, sport: Number(l4[2]), dport: Number(l4[3]) }, flags };
}

/** One line of `nft -a monitor trace`, or null for anything else. */
export function parseTraceLine(line: string): TraceEvent | null {
  const m = LINE.exec(line.trimEnd());
  if (!m) return null;
  const [, id = '', family = '', table = '', chain = '', kind = '', , rest = ''] = m;
  const event: TraceEvent = {
    id,
    family,
    table,
    chain,
    kind: kind as TraceEvent['kind'],
    text: rest,
    handle: null,
    verdict: null,
    tuple: null,
    flags: null,
  };
  if (kind === 'rule') {
    event.handle = Number(/# handle (\d+)/.exec(rest)?.[1] ?? NaN);
    if (Number.isNaN(event.handle)) event.handle = null;
    event.verdict = /\(verdict ([^)]+)\)\s*$/.exec(rest)?.[1] ?? null;
    event.text = rest.replace(/\s*\(verdict [^)]+\)\s*$/, '').replace(/\s*# handle \d+$/, '');
  } else if (kind === 'policy' || kind === 'verdict') event.verdict = rest.trim();
  else Object.assign(event, tupleOf(rest));
  return event;
}

/** One traced packet at one hook entry: its events, first the one our tracing chain printed. */
export interface KernelPacket {
  /** Our tracing chain that printed it: `pre` (prerouting) or `out` (output). */
  hook: string;
  tuple: Tuple | null;
  flags: string | null;
  events: TraceEvent[];
}

/** One end of the connection in common (the client's address and port, or the server's): the same packet after NAT. */
const sharesEnd = (a: Tuple | null, b: Tuple | null): boolean =>
  a !== null &&
  b !== null &&
  a.proto === b.proto &&
  ((a.src === b.src && a.sport === b.sport) || (a.dst === b.dst && a.dport === b.dport));

/**
 * Cuts a namespace's events into packets. A packet starts where our tracing table (`ours`) prints a packet line; the
 * events that follow belong to it while they carry one of its trace ids. The id can change on the way (br_netfilter
 * hands the IP hooks another skb): a later table's packet line with the same client or server end (NAT rewrites the
 * other) adds its id.
 */
export function packetsOf(events: readonly TraceEvent[], ours: string): KernelPacket[] {
  const out: KernelPacket[] = [];
  let current: (KernelPacket & { ids: Set<string> }) | null = null;
  for (const e of events) {
    if (e.table === ours) {
      if (e.kind === 'packet') {
        current = { ids: new Set([e.id]), hook: e.chain, tuple: e.tuple, flags: e.flags, events: [] };
        out.push(current);
      }
      continue;
    }
    if (!current) continue;
    if (e.kind === 'packet') {
      if (current.ids.has(e.id) || sharesEnd(e.tuple, current.tuple)) current.ids.add(e.id);
      continue;
    }
    if (current.ids.has(e.id)) current.events.push(e);
  }
  return out.map(({ hook, tuple, flags, events: evs }) => ({ hook, tuple, flags, events: evs }));
}

/** TCP flags as words, from nft's `syn | ack` or its hexadecimal form (`0x12`). */
export function flagWords(flags: string | null): string[] {
  if (flags === null) return [];
  if (/^0x[0-9a-f]+$/i.test(flags.trim())) {
    const bits = parseInt(flags, 16);
    const names: [number, string][] = [
      [0x01, 'fin'],
      [0x02, 'syn'],
      [0x04, 'rst'],
      [0x08, 'psh'],
      [0x10, 'ack'],
      [0x20, 'urg'],
    ];
    return names.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
  }
  return flags
    .split('|')
    .map((f) => f.trim())
    .filter(Boolean);
}

export const sameTuple = (a: Tuple | null, b: Tuple | null): boolean =>
  a !== null &&
  b !== null &&
  a.proto === b.proto &&
  a.src === b.src &&
  a.dst === b.dst &&
  a.sport === b.sport &&
  a.dport === b.dport;
