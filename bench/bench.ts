// `npm run bench`: snapshot, incremental refresh, rule parsing and tree timings, each as a ratio to a baseline measured
// in the same run.
import { CAPTURE_NOTES, captureSection } from './capture';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseIptablesSave } from '../src/core/iptables/parse';
import { SnapshotCollector } from '../src/host/collect';
import { discoverNamespaces } from '../src/host/discovery';
import { ExecRunner } from '../src/host/runner';
import { DirectAccess } from '../src/host/access';
import { HelperAccess, HelperClient } from '../src/host/helper/client';
import { kubeProxyRules } from './kubeRules';
import { addContainers, benchLabDown, benchLabUp, BENCH_HOST } from './scaleLab';
import { TOPOLOGY_NOTES, topologySection } from './topology';
import { natFirstLevel } from './treeFirstLevel';
import { reachSection } from './reach';
import { median, spreadOf } from './stats';
import { kernelSection } from './kernel';
import { EVENTS_NOTES, eventsSection } from './events';

const ROOT = resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const runner = new ExecRunner({ timeoutMs: 600_000 });

export interface Row {
  section: string;
  case: string;
  value: string;
  ratio: number | null;
  baseline: string;
  target: string;
  met: boolean | null;
  /** min–max of the runs behind `value` (its median), when there were several. */
  spread?: string;
}
const rows: Row[] = [];
const ms = (t: number) => `${t < 0.1 ? t.toFixed(4) : t < 10 ? t.toFixed(2) : t.toFixed(0)} ms`;

const spread = (values: number[]): string => spreadOf(values, ms);

/**
 * Each run against the baseline measured in the same iteration (timed the same way, side by side): the median ratio
 * for the row, and whether every run met the target, so one lucky run never marks a target met.
 */
function paired(
  measured: number[],
  baseline: number[],
  meets: (ratio: number) => boolean,
): { ratio: number; met: boolean; ratios: number[] } {
  const ratios = measured.map((t, i) => t / (baseline[i] ?? NaN));
  return { ratio: median(ratios), met: ratios.every(meets), ratios };
}

async function timed<T>(work: () => Promise<T> | T): Promise<[number, T]> {
  const start = performance.now();
  const value = await work();
  return [performance.now() - start, value];
}

function record(row: Row): void {
  rows.push(row);
  const verdict = row.met === null ? '' : row.met ? '  MET' : '  NOT MET';
  console.log(
    `${row.section.padEnd(12)} ${row.case.padEnd(34)} ${row.value.padEnd(14)} ${row.ratio === null ? '' : `ratio ${row.ratio.toFixed(3)}`}${verdict}`,
  );
}

/** Runs one of the bench's shell scripts and times it. */
function timeScript(name: string): number {
  const start = performance.now();
  execFileSync('bash', [join(ROOT, 'bench', name)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - start;
}

/** The same minimal commands a user would loop over in a shell: one ip batch and one iptables-save per namespace. */
const baselineLoop = (): number => timeScript('baseline.sh');
/** The same commands on every core at once: what any tool running them could reach at best. */
const parallelFloor = (): number => timeScript('floor.sh');

async function snapshotSection(): Promise<void> {
  const sizes = quick ? [25, 200] : [25, 100, 200];
  const runs = quick ? 2 : 3;
  for (const n of sizes) {
    await benchLabUp(n);
    const base: number[] = [];
    const floor: number[] = [];
    const inproc: number[] = [];
    const single: number[] = [];
    const cli: number[] = [];
    const commandSums: number[] = [];
    let spawns = 0;
    let singleSpawns = 0;
    for (let r = 0; r < runs; r++) {
      base.push(baselineLoop());
      floor.push(parallelFloor());
      let sum = 0;
      spawns = 0;
      const counting = new ExecRunner({
        timeoutMs: 60_000,
        onCommand: (c) => {
          sum += c.durationMs;
          spawns++;
        },
      });
      const [t] = await timed(async () => new SnapshotCollector(counting).full(await discoverNamespaces()));
      inproc.push(t);
      commandSums.push(sum);
      singleSpawns = 0;
      const one = new ExecRunner({
        timeoutMs: 60_000,
        onCommand: () => {
          singleSpawns++;
        },
      });
      single.push(
        (await timed(async () => new SnapshotCollector(one, { batch: false }).full(await discoverNamespaces())))[0],
      );
      const [tc] = await timed(() =>
        execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'snapshot', '--json'], {
          stdio: ['ignore', 'ignore', 'inherit'],
          maxBuffer: 1 << 30,
        }),
      );
      cli.push(tc);
    }
    const b = median(base);
    record({
      section: 'snapshot',
      case: `${n} namespaces, baseline shell loop`,
      value: ms(b),
      spread: spread(base),
      ratio: 1,
      baseline: 'itself',
      target: '',
      met: null,
    });
    record({
      section: 'snapshot',
      case: `${n} namespaces, the loop's commands on all ${cpus().length} cores (floor)`,
      value: ms(median(floor)),
      ratio: median(floor) / b,
      baseline: 'shell loop',
      target: 'report',
      met: null,
    });
    const inprocVsLoop = paired(inproc, base, (r) => r <= 0.6);
    record({
      section: 'snapshot',
      case: `${n} namespaces, in-process (${spawns} processes started)`,
      value: ms(median(inproc)),
      spread: spread(inproc),
      ratio: inprocVsLoop.ratio,
      baseline: 'shell loop, same run',
      target: n === 200 ? '<= 0.6 every run' : '',
      met: n === 200 ? inprocVsLoop.met : null,
    });
    record({
      section: 'snapshot',
      case: `${n} namespaces, in-process, one read per namespace (${singleSpawns} processes)`,
      value: ms(median(single)),
      ratio: median(single) / b,
      baseline: 'shell loop',
      target: 'report',
      met: null,
    });
    const cliVsLoop = paired(cli, base, (r) => r <= 0.6);
    record({
      section: 'snapshot',
      case: `${n} namespaces, CLI (snapshot --json)`,
      value: ms(median(cli)),
      spread: spread(cli),
      ratio: cliVsLoop.ratio,
      baseline: 'shell loop, same run',
      target: n === 200 ? '<= 0.6 every run' : '',
      met: n === 200 ? cliVsLoop.met : null,
    });
    record({
      section: 'snapshot',
      case: `${n} namespaces, in-process / commands' own time`,
      value: ms(median(commandSums)),
      ratio: median(inproc) / median(commandSums),
      baseline: 'sum of command durations',
      target: 'report',
      met: null,
    });
  }
}

async function incrementalSection(): Promise<void> {
  const n = 200;
  await benchLabUp(n);
  const collector = new SnapshotCollector(new ExecRunner({ timeoutMs: 60_000 }));
  // Each incremental read is paired with a full read timed the same way just before it.
  const fulls: number[] = [];
  const incs: number[] = [];
  for (let r = 0; r < (quick ? 2 : 3); r++) {
    fulls.push((await timed(async () => collector.full(await discoverNamespaces())))[0]);
    // A new container appears: its namespace is new, and the host gains a veth (ip monitor reports the host).
    await addContainers(runner, n + r, n + r + 1);
    const host = (await discoverNamespaces()).namespaces.find((ns) => ns.kind === 'host')!;
    const [t, snap] = await timed(async () => collector.incremental(await discoverNamespaces(), new Set([host.id])));
    if (!snap.namespaces.some((ns) => ns.name === `nxb-c${n + r}`))
      throw new Error('incremental refresh missed the new namespace');
    incs.push(t);
  }
  const vsFull = paired(incs, fulls, (r) => r < 0.1);
  record({
    section: 'incremental',
    case: `one container added at ${n}`,
    value: ms(median(incs)),
    spread: spread(incs),
    ratio: vsFull.ratio,
    baseline: `full snapshot ${ms(median(fulls))}, same run`,
    target: '< 0.1 every run',
    met: vsFull.met,
  });
}

/**
 * A full snapshot through the privileged helper (started with `sudo -n`, as the extension does with password-less
 * sudo) against the direct read in this process, both as root, alternated so neither gets a warmer cache.
 */
async function helperSection(): Promise<void> {
  const n = 200;
  await benchLabUp(n);
  const request = { dockerDirs: ['/var/run/docker/netns'], concurrency: 8, skipNat: false, changed: null };
  const [start, client] = await timed(() =>
    HelperClient.start({
      command: [process.execPath, join(ROOT, 'dist/cli.js'), 'helper', '--stdio', '--timeout', '600000'],
      elevation: { how: 'sudo-n' },
    }),
  );
  try {
    const viaHelper = new HelperAccess(client);
    const direct = new DirectAccess(new ExecRunner({ timeoutMs: 600_000 }));
    const helperTimes: number[] = [];
    const directTimes: number[] = [];
    await direct.snapshot(request); // warm-up, both ways
    await viaHelper.snapshot(request);
    for (let r = 0; r < (quick ? 3 : 5); r++) {
      directTimes.push((await timed(() => direct.snapshot(request)))[0]);
      helperTimes.push((await timed(() => viaHelper.snapshot(request)))[0]);
    }
    const vsDirect = paired(helperTimes, directTimes, (r) => r <= 1.1);
    record({
      section: 'helper',
      case: `${n} namespaces, full snapshot through the helper`,
      value: ms(median(helperTimes)),
      spread: spread(helperTimes),
      ratio: vsDirect.ratio,
      baseline: `direct read as root ${ms(median(directTimes))}, same run`,
      target: '<= 1.1 every run',
      met: vsDirect.met,
    });
    record({
      section: 'helper',
      case: 'helper start (sudo -n, node, ready line)',
      value: ms(start),
      ratio: null,
      baseline: 'once per window',
      target: 'report',
      met: null,
    });
  } finally {
    client.dispose();
  }
}

/**
 * Time from `docker run` returning to the tree showing the container, on the real daemon confined to a lab namespace:
 * runs the UI test (test/e2e/docker.e2e.ts, a real workbench in code-server) and reads the latency it prints, with
 * `docker run`'s own time, measured in the same run, as the baseline.
 */
async function runtimeSection(): Promise<void> {
  // The container among the machine's own namespaces, not among the bench's 200 (a separate case, see the notes).
  await benchLabDown();
  const latencies: number[] = [];
  const runs: number[] = [];
  for (let r = 0; r < (quick ? 2 : 3); r++) {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'scripts/vscode-test.mjs'), 'e2e', '--grep', 'real Docker daemon'],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
    );
    const m = /the tree shows nxd-api: (\d+) ms \(docker run itself: (\d+) ms\)/.exec(out);
    if (!m) throw new Error(`the UI test printed no latency:\n${out.slice(-2000)}`);
    latencies.push(Number(m[1]));
    runs.push(Number(m[2]));
  }
  const vsRun = paired(latencies, runs, () => true);
  record({
    section: 'runtime',
    case: 'docker run returned → the tree shows the container (real daemon, real workbench)',
    value: ms(median(latencies)),
    spread: spread(latencies),
    ratio: vsRun.ratio,
    baseline: `docker run -d itself ${ms(median(runs))}, same run`,
    target: '< 1000 ms every run',
    met: latencies.every((t) => t < 1000),
  });
}

let warmedUp = false;

async function parseSection(): Promise<void> {
  const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const memory: { n: number; mb: number }[] = [];
  for (const n of sizes) {
    await benchLabDown();
    const rules = kubeProxyRules(n);
    // iptables-save of a million rules did not finish in 10 minutes here: at that size only the parse
    // (of the same rules in iptables-save syntax, as generated) and its memory are measured.
    const throughKernel = n < 1_000_000;
    let load = NaN;
    const saves: number[] = [];
    let text = rules;
    if (throughKernel) {
      await runner.run(['ip', 'netns', 'add', BENCH_HOST]);
      [load] = await timed(() =>
        runner.run(['nsenter', `--net=/run/netns/${BENCH_HOST}`, '--', 'iptables-restore', '-w'], { input: rules }),
      );
      // Timed as often as the parse below, so the ratio compares like with like.
      for (let r = 0; r < 3; r++) {
        const [t, dump] = await timed(() =>
          runner.run(['nsenter', `--net=/run/netns/${BENCH_HOST}`, '--', 'iptables-save', '-c']),
        );
        if (dump.failure) throw new Error(`iptables-save: ${dump.failure.message}`);
        saves.push(t);
        text = dump.stdout;
      }
    }
    // The extension parses on every refresh, so the steady state is what counts: one untimed parse
    // of a small dump first, so the first timed run does not also pay for compiling the parser.
    if (!warmedUp) {
      parseIptablesSave(kubeProxyRules(5_000));
      warmedUp = true;
    }
    const parses: number[] = [];
    let ruleCount = 0;
    for (let r = 0; r < (n >= 1_000_000 ? 1 : 3); r++) {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const [t, parsed] = await timed(() => parseIptablesSave(text));
      parses.push(t);
      global.gc?.();
      const after = process.memoryUsage().heapUsed;
      ruleCount = parsed.tables.reduce((a, tb) => a + tb.chains.reduce((b, c) => b + c.rules.length, 0), 0);
      if (r === 0) memory.push({ n: ruleCount, mb: (after - before) / 1e6 });
      if (parsed.diagnostics.length) throw new Error(`parse diagnostics: ${parsed.diagnostics[0]?.message}`);
    }
    const p = median(parses);
    if (throughKernel) {
      const vsSave = paired(parses, saves, (r) => r < 0.05);
      record({
        section: 'parse',
        case: `${ruleCount} rules (restore ${ms(load)})`,
        value: ms(p),
        spread: spread(parses),
        ratio: vsSave.ratio,
        baseline: `iptables-save ${ms(median(saves))} (${spread(saves)})`,
        target: '< 0.05 every run',
        met: vsSave.met,
      });
    } else {
      record({
        section: 'parse',
        case: `${ruleCount} rules, generated text (no kernel dump)`,
        value: ms(p),
        ratio: null,
        baseline: 'not run: the bench skips restoring and saving 1,000,000 rules to stay bounded',
        target: 'parses without running out of memory',
        met: ruleCount >= 1_000_000,
      });
    }
  }
  const perRule = memory.map((m) => (m.mb * 1e6) / m.n);
  for (const m of memory) {
    record({
      section: 'memory',
      case: `${m.n} rules parsed`,
      value: `${m.mb.toFixed(0)} MB`,
      ratio: (m.mb * 1e6) / m.n / (perRule[0] ?? 1),
      baseline: 'bytes per rule at the smallest size',
      target: 'linear (ratio ~1)',
      met: Math.max(...perRule) / Math.min(...perRule) < 1.5,
    });
  }
  await benchLabDown();
}

function treeSection(): void {
  const small = natFirstLevel(10_000);
  const large = natFirstLevel(100_000);
  record({
    section: 'tree',
    case: 'NAT view first level, 10,000 rules',
    value: ms(small),
    ratio: 1,
    baseline: 'itself',
    target: '',
    met: null,
  });
  record({
    section: 'tree',
    case: 'NAT view first level, 100,000 rules',
    value: ms(large),
    ratio: large / small,
    baseline: 'the same at 10,000 rules',
    target: 'does not grow (< 2)',
    met: large / small < 2,
  });
}

/** What the numbers mean, and why the targets not met are not met (measured, see the issue notes). */
const NOTES = `## Reading the table

- The snapshot baseline is \`bench/baseline.sh\`: a sequential bash loop running one \`ip -j -d -batch -\`
  and one \`iptables-save -c\` per namespace. The snapshot does more: it also reads \`ip6tables-save -c\`
  in every namespace (half as much rule dumping again) and \`nft -j list chains\` (native nftables), and scans
  \`/proc\` for processes.
- "floor" is \`bench/floor.sh\`: the loop's own commands spread over every core with \`xargs -P\`,
  one light \`sh\` per namespace. It measures what the machine allows for those commands: on these
  2-core machines it lands at about 0.6-0.7 x the loop, because every namespace costs three
  fork+execs and a mount-namespace switch (\`ip -n\`), and those are CPU and kernel-lock work, not
  waiting. A 0.6 x target is at or below that floor while the snapshot also reads IPv6 rules, so
  it is not met; the row shows by how much.
- "in-process" reads every /run/netns namespace with three \`ip -all netns exec\` processes (links,
  IPv4 rules, IPv6 rules) side by side; \`ip\` forks each dump itself, so the Node process starts
  a handful of processes instead of three per namespace (the count is in the row). Each spawn from
  Node blocks its thread for the fork and exec, about 2 ms here and more from a large extension
  host, which is why "one read per namespace" (the previous design, kept for few namespaces and as
  the fallback) is slower and keeps the extension host busy.
- "in-process / commands' own time": the commands' durations summed, against the wall time. The
  three batched commands overlap, so the wall time is below their sum.
- Parsing is about 40 % garbage collection (V8 CPU profile): one object per option. Halving it
  needs lazily parsed rule details, which the port-mapping walk would then force anyway.
- At 1,000,000 rules the bench does not restore and save through the kernel (when tried by hand here,
  \`iptables-save\` had not finished after 10 minutes), so that row parses the generated rules in the
  same syntax and measures time and memory only.
- The runtime row runs the real-daemon UI test (test/e2e/docker.e2e.ts) with the bench's 200 namespaces taken down
  first: a container among the machine's own namespaces. With them still up, one run took 26 s (a full read of 200
  namespaces per Docker event, and the test's scan of a 200-row tree); that case belongs to the events-and-scale work.
- Every timed row shows its median and the min–max of its runs. A ratio pairs each run with the
  baseline measured in the same iteration, and a target is met only when every run met it.
- The tree row times 1,000 builds of the NAT view's first level per sample: about 1–1.5 µs each,
  with no term that depends on the number of rules (rule counts are kept per rule set).
${TOPOLOGY_NOTES}
${EVENTS_NOTES}
${CAPTURE_NOTES}`;

function writeResults(): void {
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ', --quick' : ''}`;
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify({ machine, quick, rows }, null, 2)}\n`);
  const table = [
    `Machine: ${machine}`,
    '',
    '| section | case | time (median) | runs (min–max) | ratio | baseline | target | met |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.section} | ${r.case} | ${r.value} | ${r.spread ?? ''} | ${r.ratio === null ? '' : r.ratio.toFixed(3)} | ${r.baseline} | ${r.target} | ${r.met === null ? '' : r.met ? 'met' : 'NOT met'} |`,
    ),
  ];
  writeFileSync(
    join(ROOT, 'bench/RESULTS.md'),
    `# Benchmark results\n\nWritten by \`npm run bench\`${quick ? ' -- --quick' : ''}; every ratio is against a baseline measured in the same run.\n\n${table.join('\n')}\n\n${NOTES}\n`,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmarks build namespaces: run them as root');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  try {
    if (only === 'helper') await helperSection();
    else if (only === 'runtime') await runtimeSection();
    else if (only === 'reach') await reachSection({ quick, record, ms });
    else if (only === 'kernel') await kernelSection({ quick, record, ms });
    else if (only === 'topology') await topologySection({ quick, record, ms });
    else if (only === 'events') await eventsSection({ quick, record, ms });
    else if (only === 'capture') await captureSection({ quick, record, ms });
    else {
      await snapshotSection();
      await incrementalSection();
      await helperSection();
      await runtimeSection();
      await parseSection();
      treeSection();
      await topologySection({ quick, record, ms });
      await reachSection({ quick, record, ms });
      await kernelSection({ quick, record, ms });
      await eventsSection({ quick, record, ms });
      await captureSection({ quick, record, ms });
    }
  } finally {
    await benchLabDown();
  }
  if (only !== undefined) return; // one section: printed, not written over the full results
  writeResults();
  console.log(`\nwrote bench/results.json and bench/RESULTS.md`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
