// Rule events and scale: from a rule change to the model (200 namespaces), the idle cost of a 100,000-rule namespace
// before and after rule events, and a big namespace's snapshot against `iptables-save` alone (time and JSON size).
// The extension's own pieces run here without VS Code: the collector, `nft monitor` (host/ruleEvents.ts) and the
// wait the extension makes after an event; drawing is not included.
import { readdirSync, readFileSync } from 'node:fs';
import type { Discovery, NamespaceId, Snapshot } from '../src/core/model';
import { namespacesToFollow } from '../src/core/rules/follow';
import { snapshotJson } from '../src/core/snapshotJson';
import { SnapshotCollector } from '../src/host/collect';
import { discoverNamespaces } from '../src/host/discovery';
import { RULE_EVENT_WAIT_MS, RuleEvents } from '../src/host/ruleEvents';
import { ExecRunner, type Runner } from '../src/host/runner';
import { kubeProxyRules } from './kubeRules';
import type { ReachBenchIo } from './reach';
import { benchLabDown, benchLabUp, BENCH_HOST } from './scaleLab';
import { median, spreadOf } from './stats';

const KUBE_NS = 'nxb-kube';

/** CPU time of this process and of its children already waited for, in ms (Linux /proc/self/stat, 100 Hz ticks). */
function cpuMs(): number {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = Number(f[13]) + Number(f[14]);
  return (u.user + u.system) / 1000 + children * 10;
}

/** CPU time so far of this process's running `nft` children (the monitors), in ms. */
function monitorsCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (comm === 'nft' && Number(f[1]) === process.pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function must(runner: Runner, argv: string[], input?: string): Promise<number> {
  const start = performance.now();
  const r = await runner.run(argv, input === undefined ? {} : { input });
  if (r.failure) throw new Error(`${argv.join(' ')}: ${r.failure.message} ${r.stderr}`);
  return performance.now() - start;
}

/**
 * From a rule command's start to a snapshot holding the rule: the event, the extension's wait, the read of the one
 * namespace the event named. Resolves with [that time, the command's own time].
 */
async function latency(
  runner: Runner,
  collector: SnapshotCollector,
  discovery: Discovery,
  argv: string[],
  holds: (s: Snapshot) => boolean,
  events: { next: () => Promise<NamespaceId> },
): Promise<[number, number]> {
  const start = performance.now();
  const arrived = events.next();
  const own = await must(runner, argv);
  for (;;) {
    const ns = await Promise.race([arrived, sleep(10_000).then(() => null)]);
    if (ns === null) throw new Error(`no rule event for ${argv.join(' ')}`);
    await sleep(RULE_EVENT_WAIT_MS);
    const s = await collector.incremental(discovery, new Set([ns]));
    if (holds(s)) return [performance.now() - start, own];
  }
}

export async function eventsSection(io: ReachBenchIo): Promise<void> {
  const runner = new ExecRunner({ timeoutMs: 600_000 });
  const rounds = io.quick ? 3 : 7;

  // 1. Latency at 200 namespaces.
  await benchLabUp(200, runner, true);
  try {
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const collector = new SnapshotCollector(runner);
    const first = await collector.full(discovery);
    const follow = new Set(namespacesToFollow(first));
    const waiting: ((ns: NamespaceId) => void)[] = [];
    const events = new RuleEvents(
      (ns) => waiting.splice(0).forEach((w) => w(ns)),
      () => undefined,
    );
    events.follow(first.namespaces.filter((n) => follow.has(n.id)));
    const next = () => new Promise<NamespaceId>((resolve) => waiting.push(resolve));
    const host = discovery.namespaces.find((n) => n.name === BENCH_HOST)!;
    const inHost = ['nsenter', `--net=/run/netns/${BENCH_HOST}`, '--'];
    await must(runner, [...inHost, 'nft', 'add', 'table', 'inet', 'nxb-events']);
    await must(runner, [...inHost, 'nft', 'add', 'chain', 'inet', 'nxb-events', 'c']);
    await sleep(1000); // the monitors listen
    const byIptables: [number, number][] = [];
    const byNft: [number, number][] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const port = 29000 + r;
        byIptables.push(
          await latency(
            runner,
            collector,
            discovery,
            [
              ...inHost,
              'iptables',
              '-t',
              'nat',
              '-A',
              'DOCKER',
              '-p',
              'tcp',
              '--dport',
              String(port),
              '-j',
              'DNAT',
              '--to-destination',
              '10.88.0.2:80',
            ],
            (s) => s.portMappings.some((m) => m.namespace === host.id && m.hostPort === port),
            { next },
          ),
        );
        const mark = `nxb-event-${r}`;
        byNft.push(
          await latency(
            runner,
            collector,
            discovery,
            [
              ...inHost,
              'nft',
              'add',
              'rule',
              'inet',
              'nxb-events',
              'c',
              'tcp',
              'dport',
              String(port),
              'accept',
              'comment',
              `"${mark}"`,
            ],
            (s) => JSON.stringify(s.nat.filter((x) => x.namespace === host.id && x.source === 'nft')).includes(mark),
            { next },
          ),
        );
        await sleep(300);
      }
    } finally {
      events.stop();
    }
    for (const [name, runs] of [
      ['iptables -A', byIptables],
      ['nft add rule', byNft],
    ] as const) {
      const t = runs.map((x) => x[0]);
      const own = runs.map((x) => x[1]);
      io.record({
        section: 'events',
        case: `200 namespaces: ${name} → the model holds the rule (event, ${RULE_EVENT_WAIT_MS} ms wait, one namespace read)`,
        value: io.ms(median(t)),
        spread: spreadOf(t, io.ms),
        ratio: median(t) / median(own),
        baseline: `the command itself ${io.ms(median(own))}`,
        target: '< 1 s every run',
        met: t.every((x) => x < 1000),
      });
    }
  } finally {
    await benchLabDown(runner);
  }

  // 2. and 3. One namespace holding kube-proxy-shaped rules.
  const rules = io.quick ? 20_000 : 120_000;
  await must(runner, ['ip', 'netns', 'add', KUBE_NS]);
  try {
    const inKube = ['nsenter', `--net=/run/netns/${KUBE_NS}`, '--'];
    await must(runner, [...inKube, 'iptables-restore', '-w'], kubeProxyRules(rules));
    const all = await discoverNamespaces({ dockerDirs: [] });
    const discovery: Discovery = { ...all, namespaces: all.namespaces.filter((n) => n.name === KUBE_NS) };
    const dumps: string[][] = [];
    const counting = new ExecRunner({
      timeoutMs: 600_000,
      onCommand: (r) => {
        if (r.argv.some((a) => /(ip6?tables(-legacy)?-save|^nft)$/.test(a))) dumps.push(r.argv);
      },
    });

    // Big dumps: the snapshot of that namespace against iptables-save alone, side by side; the JSON's size.
    const saves: number[] = [];
    const snaps: number[] = [];
    let text = '';
    let json = '';
    let count = 0;
    for (let r = 0; r < (io.quick ? 1 : 3); r++) {
      const start = performance.now();
      const save = await runner.run([...inKube, 'iptables-save', '-c']);
      saves.push(performance.now() - start);
      text = save.stdout;
      const t0 = performance.now();
      const s = await new SnapshotCollector(runner).full(discovery);
      snaps.push(performance.now() - t0);
      count = s.nat.reduce((a, x) => a + x.ruleCount, 0);
      if (r === 0) json = JSON.stringify(snapshotJson(s, { runtime: false, parsedRules: false }));
    }
    const ratios = snaps.map((t, i) => t / saves[i]!);
    io.record({
      section: 'events',
      case: `${count} rules in one namespace: snapshot (cold: every dump parsed)`,
      value: io.ms(median(snaps)),
      spread: spreadOf(snaps, io.ms),
      ratio: median(ratios),
      baseline: `iptables-save alone ${io.ms(median(saves))}`,
      target: '≤ 1.3 × every run',
      met: ratios.every((x) => x <= 1.3),
    });
    io.record({
      section: 'events',
      case: `${count} rules in one namespace: snapshot --json size (compact) ${(json.length / 1e6).toFixed(1)} MB`,
      value: `${(json.length / 1e6).toFixed(1)} MB`,
      ratio: json.length / text.length,
      baseline: `iptables-save text ${(text.length / 1e6).toFixed(1)} MB`,
      target: '≤ 3 ×',
      met: json.length / text.length <= 3,
    });

    // Idle: before, the minute's poll dumped and parsed everything; after, `nft monitor` follows the namespace and
    // the poll keeps its rules.
    const beforeCollector = new SnapshotCollector(counting);
    await beforeCollector.full(discovery);
    dumps.length = 0;
    const c0 = cpuMs();
    await new SnapshotCollector(counting).full(discovery);
    const beforeCpu = cpuMs() - c0;
    const beforeDumps = dumps.length;

    const collector = new SnapshotCollector(counting);
    const snapshot = await collector.full(discovery);
    const follow = new Set(namespacesToFollow(snapshot));
    const events = new RuleEvents(
      () => undefined,
      () => undefined,
    );
    const idleMs = io.quick ? 5000 : 20_000;
    dumps.length = 0;
    events.follow(snapshot.namespaces.filter((n) => follow.has(n.id)));
    const followed = events.followed;
    // A monitor starting reads the ruleset once (nft's cache): that is paid once per start, not per minute.
    let started = -1;
    for (let i = 0; i < 60 && monitorsCpuMs() !== started; i++) {
      started = monitorsCpuMs();
      await sleep(1000);
    }
    // The bench's own garbage from the big reads above is collected first: it is not the idle extension's.
    global.gc?.();
    const c1 = monitorsCpuMs();
    const own1 = process.cpuUsage();
    await sleep(idleMs);
    const monitorCpu = monitorsCpuMs() - c1;
    const ownIdle = process.cpuUsage(own1);
    events.stop();
    const c2 = cpuMs();
    await collector.full(discovery, followed);
    const pollCpu = cpuMs() - c2;
    const idleOwn = (ownIdle.user + ownIdle.system) / 1000;
    const afterPerMinute = ((monitorCpu + idleOwn) * 60_000) / idleMs + pollCpu;
    io.record({
      section: 'events',
      case: `idle, ${count} rules: CPU per minute before (the minute's poll dumps and parses; ${beforeDumps} dumps)`,
      value: io.ms(beforeCpu),
      ratio: 1,
      baseline: 'itself',
      target: 'report',
      met: null,
    });
    io.record({
      section: 'events',
      case: `idle, ${count} rules: CPU per minute after (nft monitor ${io.ms(monitorCpu)} and this process ${io.ms(idleOwn)} in ${idleMs / 1000} s idle, scaled to 60 s, plus one poll ${io.ms(pollCpu)}; ${dumps.length} dumps; the monitor's start read the ruleset once: ${io.ms(started)})`,
      value: io.ms(afterPerMinute),
      ratio: afterPerMinute / beforeCpu,
      baseline: `before ${io.ms(beforeCpu)}`,
      target: 'no rule dumps while idle',
      met: dumps.length === 0,
    });
  } finally {
    await runner.run(['ip', 'netns', 'del', KUBE_NS]);
  }
}

/** Appended to the "Reading the table" notes of bench/RESULTS.md. */
export const EVENTS_NOTES = `- Events: the extension's pieces without VS Code (no drawing). Latency: the bench lab of 200
  namespaces with published ports in \`nxb-host\`; \`nft monitor\` follows the namespaces core/rules/follow.ts picks
  (the machine's host and \`nxb-host\`); from the start of \`iptables -t nat -A\` (or \`nft add rule\` in a native
  table) in \`nxb-host\` to an incremental snapshot, read after the event and the extension's ${RULE_EVENT_WAIT_MS} ms wait,
  that holds the rule. The baseline is the command's own time.
- Big dumps and idle cost: one namespace with kube-proxy-shaped rules (\`bench/kubeRules.ts\`), read alone.
  "Cold" snapshot: every dump parsed (the parse kept from the last build forgotten), against \`iptables-save -c\`
  alone, side by side. The snapshot also reads \`ip6tables-save\`, \`nft -j list chains\` and the links. JSON
  size: what \`snapshot --json\` prints for that snapshot (core/snapshotJson.ts: rules as text, Services apart)
  against the dump's text.
- Idle: CPU time of this process plus its waited-for children (/proc/self/stat). Before: what the minute's poll
  cost until now, one full read with every dump parsed. After: \`nft monitor\` following the namespace for the idle
  time, scaled to a minute, plus one poll (which keeps the followed namespace's rules and reads its links); the
  row counts the rule dumps run meanwhile.`;
