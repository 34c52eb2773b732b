// `trace --kernel`: asks the kernel to trace the connection the model traced. A table of our own in every watched
// namespace sets `meta nftrace set 1` on this connection's packets only; `nft monitor trace` runs in each, each in a
// process group of its own; one probe is sent (or the user's own traffic awaited); then everything is taken back.
// What a killed run leaves (its tables, its monitors) is found and removed by the next run and by `map clean`.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceLine, type TraceEvent } from '../../core/kernel/monitor';
import {
  compare,
  kernelSteps,
  kernelVerdicts,
  modelTuples,
  TRACE_TABLE,
  tracingScript,
  watchedNamespaces,
  type Comparison,
  type HandleIndex,
  type KernelWalk,
  type ProbeOutcome,
} from '../../core/kernel/witness';
import { namespaceLabel } from '../../core/labels';
import type { Namespace, NamespaceId, Snapshot } from '../../core/model';
import type { NftTable } from '../../core/nft/types';
import { parseNftJson } from '../../core/nft/parse';
import { DEFAULT_SPORT, traceConnection } from '../../core/trace/trace';
import type { NamespaceExtras, RuleLink, TraceRequest, TraceResult } from '../../core/trace/types';
import { enterArgv } from '../collect';
import { alive } from '../portMapping/lock';
import { runSync, watchLines, type Runner, type Watch } from '../runner';

/** Where a run notes the namespaces it put a table in, so a later run can take back what a killed one left. */
export const STATE_DIR = '/run/netns-explorer-trace';
/** Marks our monitors in their environment, with the owning process id. */
const OWNER_ENV = 'NETNS_EXPLORER_TRACE_OWNER';
/** A run reads at most this many kernel events; the rest are dropped (the tracing rules are rate-limited too). */
const MAX_EVENTS = 2000;
const MONITOR_START_MS = 300;
const SETTLE_MS = 500;

export interface WitnessOptions {
  /** Send one probe from the source (a TCP connect or a UDP datagram); otherwise wait for the user's traffic. */
  send: boolean;
  /** How long to wait for traffic (without `send`), or for the probe's answer. */
  waitMs: number;
  onProgress?: (text: string) => void;
  /** Stops the wait early (Ctrl-C in VS Code's progress); everything is still taken back. */
  signal?: AbortSignal;
}

export interface Witnessed {
  result: TraceResult;
  kernel: KernelWalk;
  comparison: Comparison;
  probe: ProbeOutcome | null;
  /** Namespaces watched, in order. */
  watched: NamespaceId[];
  /** Every kernel event read, per namespace (the raw witness, for tests and bug reports). */
  events: ReadonlyMap<NamespaceId, readonly TraceEvent[]>;
  /** From sending the probe to the kernel's first event (ms); null without a probe or an event. */
  firstEventMs: number | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

interface StateFile {
  pid: number;
  namespaces: { id: NamespaceId; kind: Namespace['kind']; paths: string[] }[];
}

function deleteTableArgv(ns: Pick<Namespace, 'id' | 'kind' | 'paths'>): string[] {
  return [...enterArgv(ns), 'nft', 'delete', 'table', 'inet', TRACE_TABLE];
}

/**
 * Takes back what runs that are gone left behind: their tables (from their state files) and their monitors (found by
 * the owner mark in their environment). Returns what it removed, for the report.
 */
export async function cleanLeftovers(runner: Runner): Promise<string[]> {
  const removed: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(STATE_DIR).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    files = [];
  }
  for (const f of files) {
    const pid = Number(f.replace('.json', ''));
    if (pid === process.pid || alive(pid)) continue;
    try {
      const state = JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as StateFile;
      for (const ns of state.namespaces) {
        const r = await runner.run(deleteTableArgv(ns));
        if (!r.failure) removed.push(`table inet ${TRACE_TABLE} in ${ns.paths[0] ?? ns.id}`);
      }
    } catch {
      // A torn state file: nothing to read back.
    }
    rmSync(join(STATE_DIR, f), { force: true });
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ = '';
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    const owner = new RegExp(`(?:^|\\0)${OWNER_ENV}=(\\d+)(?:\\0|$)`).exec(environ)?.[1];
    if (owner === undefined || Number(owner) === process.pid || alive(Number(owner))) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      removed.push(`monitor process ${entry}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}

/** Removes our table in every namespace given, whoever put it there (map clean; a run's own end). */
export async function removeTables(
  runner: Runner,
  namespaces: readonly Pick<Namespace, 'id' | 'kind' | 'name' | 'paths' | 'processes'>[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of namespaces) {
    const r = await runner.run(deleteTableArgv(ns));
    if (!r.failure) removed.push(`table inet ${TRACE_TABLE} in ${namespaceLabel(ns)}`);
  }
  return removed;
}

const PROBE = `
const [proto, host, port, localPort, ms] = process.argv.slice(1);
const net = require('node:net'), dgram = require('node:dgram');
const out = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
setTimeout(() => out({ outcome: 'timeout' }), Number(ms));
const fail = (e) => out(e.code === 'ECONNREFUSED' ? { outcome: 'refused' } : /UNREACH/.test(e.code || '') ? { outcome: 'unreachable', code: e.code } : { outcome: 'error', code: e.code || String(e) });
if (proto === 'tcp') {
  const s = net.connect({ host, port: Number(port), localPort: Number(localPort) });
  s.on('connect', () => { s.destroy(); out({ outcome: 'connected' }); });
  s.on('error', fail);
} else {
  const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  s.on('message', () => out({ outcome: 'connected' }));
  s.on('error', fail);
  s.bind(Number(localPort), () => s.connect(Number(port), host, () => s.send('netns-explorer probe\\n')));
}`;

/** The namespace a probe leaves from: the source itself, or for the outside the far end of the uplink when known. */
function probeNamespace(snapshot: Snapshot, request: TraceRequest): Namespace | null {
  const src = snapshot.namespaces.find((n) => n.id === request.source.namespace) ?? null;
  if (request.source.kind === 'local') return src;
  const iface = request.source.iface;
  const peer = src?.interfaces.find((i) => i.name === iface)?.peer;
  return peer ? (snapshot.namespaces.find((n) => n.id === peer.namespace) ?? null) : null;
}

/** Why the kernel cannot see a namespace's rules, or null when it can. */
function unobservable(snapshot: Snapshot, ns: Namespace): string | null {
  const legacy = snapshot.nat.find(
    (s) => s.namespace === ns.id && s.source !== 'nft' && (s.source.includes('legacy') || s.backend === 'legacy'),
  );
  if (legacy && legacy.ruleCount > 0)
    return `${namespaceLabel(ns)} holds rules in legacy xtables (${legacy.source}), which nft's trace does not see`;
  return null;
}

/** iptables-nft's tables seen in the events, listed with their handles (`nft -j list table`), per namespace. */
async function iptablesHandles(
  runner: Runner,
  snapshot: Snapshot,
  events: ReadonlyMap<NamespaceId, readonly TraceEvent[]>,
): Promise<HandleIndex> {
  const out = new Map<NamespaceId, Map<string, NftTable>>();
  for (const [id, evs] of events) {
    const ns = snapshot.namespaces.find((n) => n.id === id);
    if (!ns) continue;
    const keys = new Set(
      evs
        .filter((e) => e.kind === 'rule' && (e.family === 'ip' || e.family === 'ip6'))
        .map((e) => `${e.family} ${e.table}`),
    );
    const tables = new Map<string, NftTable>();
    for (const key of keys) {
      const [family = '', name = ''] = key.split(' ');
      const r = await runner.run([...enterArgv(ns), 'nft', '-j', 'list', 'table', family, name]);
      const table = r.failure ? undefined : parseNftJson(r.stdout).ruleset.tables[0];
      if (table) tables.set(key, table);
    }
    out.set(id, tables);
  }
  return out;
}

/** Runs the model trace and the kernel's, and compares them. Always takes back the tables and the monitors. */
export async function witnessTrace(
  runner: Runner,
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  request: TraceRequest,
  options: WitnessOptions,
): Promise<Witnessed> {
  const say = options.onProgress ?? (() => undefined);
  await cleanLeftovers(runner);
  const clientPort = options.send ? 41000 + Math.floor(Math.random() * 19000) : null;
  const result = traceConnection(snapshot, extras, clientPort === null ? request : { ...request, sport: clientPort });
  const byId = new Map(snapshot.namespaces.map((n) => [n.id, n]));
  const from = options.send ? probeNamespace(snapshot, request) : null;
  const watched = watchedNamespaces(result);
  if (from && !watched.includes(from.id)) watched.unshift(from.id);
  const namespaces = watched.map((id) => byId.get(id)).filter((n): n is Namespace => n !== undefined);
  const unobserved = (why: string): Witnessed => {
    const kernel: KernelWalk = { observable: false, why, steps: [], verdict: null, reply: null };
    return {
      result,
      kernel,
      comparison: compare(result, kernel, () => ''),
      probe: null,
      watched,
      events: new Map(),
      firstEventMs: null,
    };
  };
  for (const ns of namespaces) {
    const why = unobservable(snapshot, ns);
    if (why) return unobserved(why);
  }
  if (options.send && !from)
    return unobserved(
      'the outside beyond this uplink is not in the snapshot, so there is nothing to send the probe from: run without --send and make the connection yourself',
    );

  // The request's tuples with the client port left open when it is not ours to choose.
  const tuples = (ns: Namespace) =>
    clientPort === null
      ? []
      : modelTuples(result, ns.id).filter((t) => t.sport === clientPort || t.dport === clientPort);
  const state: StateFile = {
    pid: process.pid,
    namespaces: namespaces.map((n) => ({ id: n.id, kind: n.kind, paths: n.paths })),
  };
  const stateFile = join(STATE_DIR, `${process.pid}.json`);
  try {
    mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  } catch {
    // No /run to write to: the exit handler and map clean still take the tables back.
  }
  const takeBackNow = () => {
    for (const ns of namespaces) runSync(deleteTableArgv(ns));
    rmSync(stateFile, { force: true });
  };
  process.once('exit', takeBackNow);
  const monitors: Watch[] = [];
  const events = new Map<NamespaceId, TraceEvent[]>(namespaces.map((n) => [n.id, []]));
  let total = 0;
  let probeAt: number | null = null;
  let firstAt: number | null = null;
  let probe: ProbeOutcome | null = null;
  let failure: string | null = null;
  try {
    say(`adding the tracing table in ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'}`);
    for (const ns of namespaces) {
      // Without a probe the client port is unknown: every packet to the destination port is traced (rate-limited).
      const script =
        clientPort === null
          ? tracingScript(request.protocol, null, [], {
              ports: [
                request.dport,
                ...modelTuples(result, ns.id)
                  .filter((t) => t.sport === (result.request.sport ?? DEFAULT_SPORT))
                  .map((t) => t.dport),
              ],
            })
          : tracingScript(request.protocol, clientPort, tuples(ns));
      const added = await runner.run([...enterArgv(ns), 'nft', '-f', '-'], { input: script });
      if (added.failure)
        throw new Error(
          `nft could not add the tracing table in ${namespaceLabel(ns)}: ${added.stderr.trim() || added.failure.message}`,
        );
    }
    const lifetime = Math.ceil((options.waitMs + 10_000) / 1000);
    for (const ns of namespaces)
      monitors.push(
        watchLines(
          ['timeout', '-k', '1', `${lifetime}s`, ...enterArgv(ns), 'nft', '-a', 'monitor', 'trace'],
          (line) => {
            if (total >= MAX_EVENTS) return;
            const e = parseTraceLine(line);
            if (!e) return;
            total++;
            firstAt ??= performance.now();
            events.get(ns.id)?.push(e);
          },
          (why) => {
            if (why) failure ??= `nft monitor trace stopped in ${namespaceLabel(ns)}: ${why}`;
          },
          { env: { [OWNER_ENV]: String(process.pid) }, group: true },
        ),
      );
    await sleep(MONITOR_START_MS, options.signal);
    if (options.send && from && clientPort !== null) {
      say(`sending one ${request.protocol} probe from ${namespaceLabel(from)}`);
      probeAt = performance.now();
      const r = await runner.run(
        [
          ...enterArgv(from),
          process.execPath,
          '-e',
          PROBE,
          request.protocol,
          request.dst,
          String(request.dport),
          String(clientPort),
          String(Math.min(options.waitMs, 3000)),
        ],
        { timeoutMs: options.waitMs + 5000 },
      );
      try {
        probe = JSON.parse(r.stdout) as ProbeOutcome;
      } catch {
        probe = { outcome: 'error', code: r.stderr.trim() || 'the probe printed nothing' };
      }
      await sleep(SETTLE_MS, options.signal);
    } else {
      say(`waiting up to ${Math.round(options.waitMs / 1000)} s for the connection`);
      const until = Date.now() + options.waitMs;
      let quietSince = Date.now();
      let last = 0;
      while (Date.now() < until && !options.signal?.aborted) {
        await sleep(200, options.signal);
        if (total !== last) {
          last = total;
          quietSince = Date.now();
        } else if (total > 0 && Date.now() - quietSince > 1000) break;
      }
    }
  } finally {
    for (const m of monitors) m.stop();
    await removeTables(runner, namespaces);
    rmSync(stateFile, { force: true });
    process.removeListener('exit', takeBackNow);
  }
  if (failure && total === 0) return unobserved(failure);
  // Without a probe, the client port is the one the first traced packet came from.
  const port =
    clientPort ??
    [...events.values()].flat().find((e) => e.kind === 'packet' && e.tuple?.dport === request.dport)?.tuple?.sport ??
    null;
  if (port === null)
    return unobserved(
      options.send
        ? 'the kernel traced no packet of the probe'
        : `no connection to port ${request.dport} came within the wait`,
    );
  const order = {
    request: watched,
    reply: [...new Set([...(result.outcomes[0]?.reply?.steps ?? []).map((s) => s.namespace), ...watched])],
  };
  const iptables = await iptablesHandles(runner, snapshot, events);
  const steps = kernelSteps(snapshot, order, events, port, iptables);
  const { verdict, reply } = kernelVerdicts(steps, probe, request);
  const capped = total >= MAX_EVENTS ? `only the first ${MAX_EVENTS} events were read` : null;
  const kernel: KernelWalk = { observable: true, why: capped, steps, verdict, reply };
  const label = (l: RuleLink) =>
    `${namespaceLabel(byId.get(l.namespace) ?? { kind: 'named', name: l.namespace, processes: [], id: l.namespace })} ${l.table} ${l.chain} #${l.index + 1}`;
  return {
    result,
    kernel,
    comparison: compare(result, kernel, label),
    probe,
    watched,
    events,
    firstEventMs: probeAt !== null && firstAt !== null ? Math.max(0, firstAt - probeAt) : null,
  };
}
