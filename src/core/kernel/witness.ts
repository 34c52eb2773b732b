// The kernel as witness of a trace: which namespaces to watch, the tracing table that marks only this connection's
// packets (`meta nftrace set 1`, nothing else), the kernel's walk read back from `nft monitor trace` and tied to the
// rules the views show, and its comparison with the model.
import type { NamespaceId, Snapshot } from '../model';
import type { NftTable } from '../nft/types';
import { isV6 } from '../net/address';
import type { RuleLink, TraceRequest, TraceResult, TraceStep, Verdict } from '../trace/types';
import { flagWords, packetsOf, type KernelPacket, type TraceEvent, type Tuple } from './monitor';

export const TRACE_TABLE = 'netns-explorer-trace';
/** Before raw (-300), so the mark is set before any rule of the host's runs. */
const PRIORITY = -310;
/** Events a rule may mark a second: a busy host is not flooded even if the tuple is common. */
const RATE = '50/second';

/** The namespaces a connection is watched in: the source, then the modelled path of the request and of the reply. */
export function watchedNamespaces(result: TraceResult): NamespaceId[] {
  const first = result.outcomes[0];
  const out: NamespaceId[] = [result.request.source.namespace];
  const add = (id: NamespaceId) => {
    if (!out.includes(id)) out.push(id);
  };
  for (const hop of first?.path ?? []) add(hop.namespace);
  for (const s of first?.steps ?? []) add(s.namespace);
  for (const s of first?.reply?.steps ?? []) add(s.namespace);
  return out;
}

/** `tcp 198.18.0.2:40000 → 198.18.0.1:8080` (a step's packet) as a tuple. */
export function tupleOfText(text: string): Tuple | null {
  const m = /^(tcp|udp) (\[[^\]]+\]|[^\s:]+):(\d+) → (\[[^\]]+\]|[^\s:]+):(\d+)$/.exec(text.trim());
  if (!m) return null;
  const bare = (s: string) => s.replace(/^\[|\]$/g, '');
  return { proto: m[1] ?? '', src: bare(m[2] ?? ''), sport: Number(m[3]), dst: bare(m[4] ?? ''), dport: Number(m[5]) };
}

/** The packets the model says this namespace sees, request and reply, each once. */
export function modelTuples(result: TraceResult, nsId: NamespaceId): Tuple[] {
  const first = result.outcomes[0];
  const out: Tuple[] = [];
  for (const s of [...(first?.steps ?? []), ...(first?.reply?.steps ?? [])]) {
    if (s.namespace !== nsId) continue;
    const t = tupleOfText(s.packet);
    if (t && t.src !== '' && !out.some((o) => JSON.stringify(o) === JSON.stringify(t))) out.push(t);
  }
  return out;
}

/**
 * The tracing table of one namespace, as one `nft -f` transaction (created, emptied and filled, so a leftover of an
 * earlier run is replaced): chains at prerouting and output before raw whose rules only set `meta nftrace`, for the
 * model's tuples of this connection and for any packet from or to the client's port (whatever NAT made of the
 * addresses). Every rule is rate-limited. Nothing else: no verdict, no mark.
 */
export function tracingScript(
  proto: string,
  clientPort: number | null,
  tuples: readonly Tuple[],
  /**
   * Waiting for the user's own connection: the client port is unknown, so the server's ports (before and after the
   * model's DNAT) are traced both ways.
   */
  wait?: { ports: readonly number[] },
): string {
  const rules: string[] = [];
  for (const port of new Set(wait?.ports ?? []))
    rules.push(
      `meta l4proto ${proto} th dport ${port} limit rate ${RATE} meta nftrace set 1`,
      `meta l4proto ${proto} th sport ${port} limit rate ${RATE} meta nftrace set 1`,
    );
  for (const t of tuples) {
    const ip = isV6(t.dst) ? 'ip6' : 'ip';
    if (isV6(t.src) !== isV6(t.dst)) continue;
    rules.push(
      `meta l4proto ${t.proto} ${ip} saddr ${t.src} ${ip} daddr ${t.dst} th sport ${t.sport} th dport ${t.dport} limit rate ${RATE} meta nftrace set 1`,
    );
  }
  if (clientPort !== null)
    rules.push(
      `meta l4proto ${proto} th sport ${clientPort} limit rate ${RATE} meta nftrace set 1`,
      `meta l4proto ${proto} th dport ${clientPort} limit rate ${RATE} meta nftrace set 1`,
    );
  const chain = (name: string, hook: string) =>
    `  chain ${name} {\n    type filter hook ${hook} priority ${PRIORITY}; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
  return `table inet ${TRACE_TABLE} {}\ndelete table inet ${TRACE_TABLE}\ntable inet ${TRACE_TABLE} {\n${chain('pre', 'prerouting')}${chain('out', 'output')}}\n`;
}

export type Direction = 'request' | 'reply';

export interface KernelStep {
  namespace: NamespaceId;
  /** `ip`, `ip6`, `inet`…: the nft family of the table. */
  family: string;
  table: string;
  chain: string;
  /** The rule's handle; null for a chain's policy. */
  handle: number | null;
  /** The rule as the tree and the NAT view show it, or null (a policy, or a rule not in the snapshot). */
  rule: RuleLink | null;
  verdict: string;
  direction: Direction;
  /** The rule as nft printed it in the trace. */
  text: string;
}

/** What the probe saw: a connection, a refusal, nothing (timeout), an unreachable network, or an error. */
export interface ProbeOutcome {
  outcome: 'connected' | 'refused' | 'timeout' | 'unreachable' | 'error';
  code?: string;
}

export interface KernelWalk {
  observable: boolean;
  /** Why the kernel could not say (or what it could not see); null when it saw everything asked. */
  why: string | null;
  steps: KernelStep[];
  verdict: Verdict | null;
  reply: Verdict | null;
}

/** The rules of iptables-nft tables read at trace time, by namespace and `family table` key: handle → rule link. */
export type HandleIndex = ReadonlyMap<NamespaceId, ReadonlyMap<string, NftTable>>;

/** Ties a kernel event to the rule the views show: native rules by handle, iptables-nft's by position in its chain. */
export function linkOf(snapshot: Snapshot, nsId: NamespaceId, e: TraceEvent, iptables: HandleIndex): RuleLink | null {
  if (e.handle === null) return null;
  const key = `${e.family} ${e.table}`;
  for (const set of snapshot.nat) {
    if (set.namespace !== nsId || set.source !== 'nft') continue;
    const table = set.ruleset.tables.find((t) => t.key === key && !t.iptables);
    const rule = table?.chains.find((c) => c.name === e.chain)?.rules.find((r) => r.handle === e.handle);
    if (rule)
      return {
        namespace: nsId,
        family: 'all',
        source: 'nft',
        table: rule.table,
        chain: rule.chain,
        index: rule.index,
        text: rule.text,
      };
  }
  const listed = iptables.get(nsId)?.get(key);
  const rule = listed?.chains.find((c) => c.name === e.chain)?.rules.find((r) => r.handle === e.handle);
  if (!rule || (e.family !== 'ip' && e.family !== 'ip6')) return null;
  const family = e.family === 'ip' ? 'ipv4' : 'ipv6';
  // iptables-save lists a chain's rules in the order nft holds them: the position is the iptables rule's index.
  const set = snapshot.nat.find((s) => s.namespace === nsId && s.family === family && !s.source.includes('legacy'));
  if (!set || set.source === 'nft') return null;
  const saved = set.tables.find((t) => t.name === e.table)?.chains.find((c) => c.name === e.chain)?.rules[rule.index];
  if (!saved) return null;
  return {
    namespace: nsId,
    family,
    source: set.source,
    table: e.table,
    chain: e.chain,
    index: saved.index,
    text: saved.text.replace(/^\[\d+:\d+\] /, ''),
  };
}

const keyOf = (t: Tuple) => `${t.proto} ${t.src} ${t.sport} ${t.dst} ${t.dport}`;

/**
 * The packets of one namespace that belong to the connection's first exchange, by direction: the request runs from the
 * client's port, the reply to it; TCP's first packets only (SYN, then SYN-ACK), and a retransmission (the same packet
 * entering the same hook again) ends the list.
 */
export function exchangeOf(packets: readonly KernelPacket[], clientPort: number): Record<Direction, KernelPacket[]> {
  const out: Record<Direction, KernelPacket[]> = { request: [], reply: [] };
  const seen = new Set<string>();
  const stopped = { request: false, reply: false };
  for (const p of packets) {
    if (!p.tuple) continue;
    const direction: Direction | null =
      p.tuple.sport === clientPort ? 'request' : p.tuple.dport === clientPort ? 'reply' : null;
    if (direction === null || stopped[direction]) continue;
    if (p.tuple.proto === 'tcp') {
      const flags = flagWords(p.flags);
      const has = (f: string) => flags.includes(f);
      if (direction === 'request' && !(has('syn') && !has('ack'))) continue;
      if (direction === 'reply' && !(has('syn') && has('ack')) && !has('rst')) continue;
    }
    const key = `${p.hook} ${keyOf(p.tuple)}`;
    if (seen.has(key)) {
      stopped[direction] = true;
      continue;
    }
    seen.add(key);
    out[direction].push(p);
  }
  return out;
}

/** The kernel's steps in the watched namespaces: the request in path order, then the reply in its path order. */
export function kernelSteps(
  snapshot: Snapshot,
  order: { request: NamespaceId[]; reply: NamespaceId[] },
  events: ReadonlyMap<NamespaceId, readonly TraceEvent[]>,
  clientPort: number,
  iptables: HandleIndex,
): KernelStep[] {
  const steps: KernelStep[] = [];
  const exchanges = new Map<NamespaceId, Record<Direction, KernelPacket[]>>();
  for (const [ns, evs] of events) exchanges.set(ns, exchangeOf(packetsOf(evs, TRACE_TABLE), clientPort));
  for (const direction of ['request', 'reply'] as const)
    for (const ns of order[direction])
      for (const p of exchanges.get(ns)?.[direction] ?? [])
        for (const e of p.events) {
          if (e.kind !== 'rule' && e.kind !== 'policy') continue;
          steps.push({
            namespace: ns,
            family: e.family,
            table: e.table,
            chain: e.chain,
            handle: e.kind === 'rule' ? e.handle : null,
            rule: e.kind === 'rule' ? linkOf(snapshot, ns, e, iptables) : null,
            verdict: e.verdict ?? '',
            direction,
            text: e.kind === 'rule' ? e.text : `policy ${e.verdict ?? ''}`,
          });
        }
  return steps;
}

/** The rule steps the model predicts, request then reply: those whose rule matched. */
export function modelRuleSteps(result: TraceResult): { step: TraceStep; direction: Direction }[] {
  const first = result.outcomes[0];
  // A rule the model words in two steps (a verdict map's lookup, then its jump) is one rule the kernel matched.
  const pick = (steps: readonly TraceStep[], direction: Direction) =>
    steps
      .filter((s) => (s.kind === 'rule' || s.kind === 'nat') && s.rule !== null)
      .filter((s, i, all) => i === 0 || linkKey(all[i - 1]!.rule!) !== linkKey(s.rule!))
      .map((step) => ({ step, direction }));
  return [...pick(first?.steps ?? [], 'request'), ...pick(first?.reply?.steps ?? [], 'reply')];
}

export const linkKey = (l: RuleLink) => `${l.namespace}|${l.source}|${l.table}|${l.chain}|${l.index}`;

export interface Comparison {
  agrees: boolean;
  /** The first line: whether they agree, and the first difference. */
  summary: string;
  modelOnly: string[];
  kernelOnly: string[];
  verdicts: { model: string; kernel: string; agree: boolean };
}

/** Longest common subsequence of two key lists: what both saw, in order; the rest is each one's own. */
function diff(a: readonly string[], b: readonly string[]): { onlyA: number[]; onlyB: number[] } {
  const n = a.length;
  const m = b.length;
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  const onlyA: number[] = [];
  const onlyB: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) onlyA.push(i++);
    else onlyB.push(j++);
  }
  while (i < n) onlyA.push(i++);
  while (j < m) onlyB.push(j++);
  return { onlyA, onlyB };
}

const verdictWord = (v: Verdict | null): string => (v ? v.kind : 'none');

/** Model against kernel: the rules each saw match, in order, and the verdicts of the request and of the reply. */
export function compare(result: TraceResult, kernel: KernelWalk, label: (l: RuleLink) => string): Comparison {
  const model = modelRuleSteps(result);
  // Without a modelled reply (the request was refused or dropped), what comes back is the refusal itself (a reset, an
  // ICMP error): shown, not compared.
  const compared = result.reply === null ? kernel.steps.filter((s) => s.direction === 'request') : kernel.steps;
  const seen = compared.filter((s) => s.rule !== null);
  const a = model.map((m) => `${m.direction} ${linkKey(m.step.rule!)}`);
  const b = seen.map((s) => `${s.direction} ${linkKey(s.rule!)}`);
  const d = diff(a, b);
  const modelOnly = d.onlyA.map((i) => `${model[i]!.direction}: ${label(model[i]!.step.rule!)}`);
  const kernelOnly = d.onlyB.map((i) => `${seen[i]!.direction}: ${label(seen[i]!.rule!)}`);
  const unmapped = compared.filter((s) => s.handle !== null && s.rule === null);
  for (const s of unmapped)
    kernelOnly.push(`${s.direction}: ${s.family} ${s.table} ${s.chain} handle ${s.handle}: ${s.text}`);
  const kernelVerdict = `${verdictWord(kernel.verdict)}${kernel.reply ? `, reply ${verdictWord(kernel.reply)}` : ''}`;
  const modelVerdict = `${verdictWord(result.verdict)}${result.reply ? `, reply ${verdictWord(result.reply)}` : ''}`;
  const verdictsAgree =
    kernel.verdict !== null &&
    kernel.verdict.kind === result.verdict.kind &&
    (result.reply === null || kernel.reply === null || kernel.reply.kind === result.reply.kind);
  const agrees = kernel.observable && verdictsAgree && modelOnly.length === 0 && kernelOnly.length === 0;
  const first = modelOnly[0]
    ? `the model predicted ${modelOnly[0]}, which the kernel did not take`
    : kernelOnly[0]
      ? `the kernel took ${kernelOnly[0]}, which the model did not predict`
      : !verdictsAgree
        ? `the model says ${modelVerdict}, the kernel ${kernelVerdict}`
        : '';
  const summary = !kernel.observable
    ? `The kernel could not witness this trace: ${kernel.why}`
    : agrees
      ? `The kernel agrees: the same ${seen.length} rule${seen.length === 1 ? '' : 's'} and the same verdict (${kernelVerdict}).`
      : `The kernel disagrees: ${first}.`;
  return {
    agrees,
    summary,
    modelOnly,
    kernelOnly,
    verdicts: { model: modelVerdict, kernel: kernelVerdict, agree: verdictsAgree },
  };
}

/** The kernel's verdicts from its steps and, when one was sent, the probe's outcome. */
export function kernelVerdicts(
  steps: readonly KernelStep[],
  probe: ProbeOutcome | null,
  request: TraceRequest,
): { verdict: Verdict | null; reply: Verdict | null } {
  const stopOf = (direction: 'request' | 'reply'): Verdict | null => {
    const s = steps.find((x) => x.direction === direction && /^drop\b/.test(x.verdict));
    if (!s) return null;
    const where = `${s.family} ${s.table} ${s.chain}${s.handle !== null ? ` handle ${s.handle}` : ''}`;
    const rule: RuleLink | null = s.rule;
    if (/\breject\b/.test(s.text)) {
      const unreachable =
        /host-|net-|admin-prohibited|prohibited|unreachable/.test(s.text) && !/port-unreachable/.test(s.text);
      if (!unreachable)
        return {
          kind: 'refused',
          namespace: s.namespace,
          ip: request.dst,
          port: request.dport,
          reason: `rejected by ${where}`,
          rule: rule ?? null,
        };
      return { kind: 'unreachable', namespace: s.namespace, reason: `rejected by ${where}`, rule };
    }
    return {
      kind: 'dropped',
      namespace: s.namespace,
      reason: `dropped by ${where}${s.handle === null ? ' (policy)' : ''}`,
      rule,
    };
  };
  const requestStop = stopOf('request');
  if (requestStop) return { verdict: requestStop, reply: null };
  const last = [...steps].reverse().find((s) => s.direction === 'request');
  const sawReply = steps.some((s) => s.direction === 'reply');
  const delivered: Verdict = {
    kind: 'delivered',
    namespace: last?.namespace ?? request.source.namespace,
    ip: request.dst,
    port: request.dport,
    process: null,
    pid: null,
  };
  const replyStop = stopOf('reply');
  if (probe?.outcome === 'connected')
    return { verdict: delivered, reply: replyStop ?? { ...delivered, namespace: request.source.namespace } };
  if (probe?.outcome === 'refused')
    return {
      verdict: {
        kind: 'refused',
        namespace: last?.namespace ?? request.source.namespace,
        ip: request.dst,
        port: request.dport,
        reason: 'nothing listens: the kernel answered with a reset or port-unreachable',
        rule: null,
      },
      reply: null,
    };
  if (probe?.outcome === 'unreachable')
    return {
      verdict: {
        kind: 'unreachable',
        namespace: last?.namespace ?? request.source.namespace,
        reason: probe.code ?? 'unreachable',
        rule: null,
      },
      reply: null,
    };
  if (sawReply || replyStop)
    return { verdict: delivered, reply: replyStop ?? { ...delivered, namespace: request.source.namespace } };
  if (!last) return { verdict: null, reply: null };
  return {
    verdict: {
      kind: 'dropped',
      namespace: last.namespace,
      reason: 'the kernel showed no verdict and no reply: lost beyond the namespaces watched',
      rule: null,
    },
    reply: null,
  };
}
