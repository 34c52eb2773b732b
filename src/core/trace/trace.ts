// Entry point of the trace: builds the first packet, follows it (once per statistic branch) and traces the reply back.
import type { NamespaceId, Snapshot } from '../model';
import { endpoint, hostOf, isV6 } from '../net/address';
import { nsLabel, receive, sendLocal, type Walk } from './engine';
import type { Packet } from './packet';
import { familyOf } from './route';
import type { NamespaceExtras, TraceOutcome, TraceRequest, TraceResult, Verdict } from './types';

/** More statistic branches than this are summarised by the first ones. */
const MAX_OUTCOMES = 32;
export const DEFAULT_SPORT = 40000;

export function describeRequest(snapshot: Snapshot, r: TraceRequest): string {
  const from =
    r.source.kind === 'outside'
      ? `from outside via ${r.source.iface} of ${nsLabel(snapshot, r.source.namespace)}`
      : `from ${nsLabel(snapshot, r.source.namespace)}`;
  return `${r.protocol} ${from} to ${endpoint(r.dst, r.dport)}`;
}

export function verdictText(snapshot: Snapshot, v: Verdict): string {
  const where = nsLabel(snapshot, v.namespace);
  switch (v.kind) {
    case 'delivered':
      return `delivered to ${where} ${endpoint(v.ip, v.port)}${v.process ? ` (process ${v.process})` : ''}`;
    case 'refused':
      return `refused in ${where} at ${endpoint(v.ip, v.port)}: ${v.reason}`;
    case 'dropped':
      return `dropped in ${where}: ${v.reason}`;
    case 'unreachable':
      return `unreachable in ${where}: ${v.reason}`;
    case 'left':
      return `left ${where} through ${v.iface}; beyond that the host cannot see`;
  }
}

/** The source address of a packet arriving from outside: the far end of the veth when it is visible. */
function outsideAddress(
  snapshot: Snapshot,
  nsId: NamespaceId,
  iface: string,
  v6: boolean,
): { ip: string; assumed: boolean } {
  const ns = snapshot.namespaces.find((n) => n.id === nsId);
  const peer = ns?.interfaces.find((i) => i.name === iface)?.peer;
  const peerNs = peer ? snapshot.namespaces.find((n) => n.id === peer.namespace) : undefined;
  const addr = peerNs?.interfaces
    .find((i) => i.name === peer?.ifname)
    ?.addresses.map(hostOf)
    .find((a) => isV6(a) === v6 && !a.startsWith('fe80'));
  if (addr) return { ip: addr, assumed: false };
  return { ip: v6 ? '2001:db8::10' : '203.0.113.10', assumed: true };
}

function firstPacket(snapshot: Snapshot, r: TraceRequest): { packet: Packet; note: string | null } {
  const v6 = isV6(r.dst);
  let src = r.source.address ?? '';
  let noteText: string | null = null;
  if (r.source.kind === 'outside' && src === '') {
    const o = outsideAddress(snapshot, r.source.namespace, r.source.iface, v6);
    src = o.ip;
    if (o.assumed)
      noteText = `the client's address is not visible here; ${src} (a documentation address) stands for it`;
  }
  return {
    packet: {
      family: familyOf(r.dst),
      protocol: r.protocol,
      src,
      sport: r.sport ?? DEFAULT_SPORT,
      dst: r.dst,
      dport: r.dport,
      inIface: null,
      outIface: null,
      ctstate: 'NEW',
      mark: 0,
      bridged: null,
    },
    note: noteText,
  };
}

function newWalk(snapshot: Snapshot, extras: ReadonlyMap<NamespaceId, NamespaceExtras>, choose: Walk['choose']): Walk {
  return {
    snapshot,
    extras,
    steps: [],
    visits: [],
    path: [],
    nat: [],
    tuples: new Map(),
    choose,
    hops: 0,
    untracked: new Set(),
    replyTarget: null,
  };
}

function runOnce(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  r: TraceRequest,
  choose: Walk['choose'],
): Omit<TraceOutcome, 'probability' | 'choices'> {
  const w = newWalk(snapshot, extras, choose);
  const { packet, note } = firstPacket(snapshot, r);
  if (note)
    w.steps.push({
      namespace: r.source.namespace,
      kind: 'note',
      depth: 0,
      title: 'source',
      text: note,
      packet: '',
      rule: null,
      assumptions: [note],
      uncertain: true,
    });
  const verdict =
    r.source.kind === 'outside'
      ? receive(w, r.source.namespace, packet, r.source.iface)
      : sendLocal(w, r.source.namespace, packet);
  let reply: TraceOutcome['reply'] = null;
  if (verdict.kind === 'delivered') {
    // The first packet's final addresses, swapped: conntrack undoes the NAT on the way back.
    const rw = newWalk(snapshot, extras, (_where, p) => p >= 0.5);
    rw.nat = w.nat;
    rw.tuples = w.tuples;
    rw.untracked = w.untracked;
    rw.replyTarget =
      r.source.kind === 'outside'
        ? { kind: 'outside', namespace: r.source.namespace, iface: r.source.iface }
        : { kind: 'local', namespace: r.source.namespace };
    const back: Packet = {
      ...packet,
      src: packet.dst,
      sport: packet.dport,
      dst: packet.src,
      dport: packet.sport,
      ctstate: 'ESTABLISHED',
      untracked: false,
      untrackedByRule: false,
      at: undefined,
      inIface: null,
      outIface: null,
      bridged: null,
      mark: 0,
    };
    const rv = sendLocal(rw, verdict.namespace, back);
    const ok = rv.kind === 'delivered';
    reply = {
      verdict: rv,
      delivered: ok,
      summary: ok
        ? 'the reply (ESTABLISHED) gets back to the client'
        : `the reply is lost: ${verdictText(snapshot, rv)}`,
      steps: rw.steps,
    };
  }
  const uncertain = w.steps.some((s) => s.uncertain) || (reply?.steps.some((s) => s.uncertain) ?? false);
  // A reply that cannot get back makes the connection time out, whatever reached the server.
  const final: Verdict =
    reply && !reply.delivered
      ? {
          kind: 'dropped',
          namespace: verdict.namespace,
          reason: `the request reached ${nsLabel(snapshot, verdict.namespace)}, but ${reply.summary.replace(/^the reply is lost: /, 'its reply was ')}`,
          rule: null,
        }
      : verdict;
  return {
    verdict,
    connected: verdict.kind === 'delivered' && (reply?.delivered ?? false),
    summary: verdictText(snapshot, final),
    steps: w.steps,
    path: w.path,
    visits: w.visits,
    reply,
    uncertain,
  };
}

/** Traces the first packet of a connection; statistic matches give several outcomes, most likely first. */
export function traceConnection(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  r: TraceRequest,
): TraceResult {
  const outcomes: TraceOutcome[] = [];
  const pending: boolean[][] = [[]];
  while (pending.length > 0 && outcomes.length < MAX_OUTCOMES) {
    const prefix = pending.shift() ?? [];
    const taken: boolean[] = [];
    const choices: string[] = [];
    let probability = 1;
    const choose = (where: string, p: number): boolean => {
      let take: boolean;
      if (taken.length < prefix.length) take = prefix[taken.length] ?? true;
      else {
        take = p > 0;
        // The other branch, explored in a later run.
        if (p > 0 && p < 1) pending.push([...taken, false]);
      }
      taken.push(take);
      probability *= take ? p : 1 - p;
      choices.push(`${where}: ${take ? 'matched' : 'not matched'} (${((take ? p : 1 - p) * 100).toFixed(1)}%)`);
      return take;
    };
    const run = runOnce(snapshot, extras, r, choose);
    outcomes.push({ ...run, probability, choices });
  }
  outcomes.sort((a, b) => b.probability - a.probability);
  const first = outcomes[0];
  if (!first) throw new Error('trace produced no outcome');
  const explained = first.steps.find((s) => s.kind === 'note' && s.title === 'why');
  const why = first.connected ? undefined : (explained?.answer ?? explained?.text);
  const summary =
    outcomes.length > 1
      ? `${outcomes.length} outcomes (statistic): ${outcomes.map((o) => `${(o.probability * 100).toFixed(1)}% ${o.summary}`).join('; ')}`
      : first.summary;
  return {
    request: r,
    title: describeRequest(snapshot, r),
    outcomes,
    verdict: first.verdict,
    reply: first.reply?.verdict ?? null,
    connected: first.connected,
    summary,
    answer: why ?? summary,
    uncertain: outcomes.some((o) => o.uncertain),
  };
}
