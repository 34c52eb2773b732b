// The reachability matrix's benchmarks: the whole matrix of the lab against one snapshot of it (both through the CLI,
// side by side in each run), and 200 namespaces × 400 sockets (80,000 cells) computed from one snapshot.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { computeCells } from '../src/core/reach/matrix';
import { reachColumns, reachRows } from '../src/core/reach/targets';
import { collectSnapshot } from '../src/host/collect';
import { discoverNamespaces } from '../src/host/discovery';
import { computeMatrixParallel } from '../src/host/reach/parallel';
import { ExecRunner } from '../src/host/runner';
import { collectTraceExtras } from '../src/host/trace/collect';
import { LAB_DOCKER_NETNS_DIR, labDown, labUp } from '../test/lab/lab';
import { benchLabDown, benchLabUp, containerName } from './scaleLab';
import { median, spreadOf } from './stats';

const ROOT = resolve(__dirname, '..');

export interface ReachBenchIo {
  quick: boolean;
  ms: (t: number) => string;
  record: (row: {
    section: string;
    case: string;
    value: string;
    ratio: number | null;
    baseline: string;
    target: string;
    met: boolean | null;
    spread?: string;
  }) => void;
}

function cli(args: string[]): number {
  const start = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 30,
  });
  return performance.now() - start;
}

/** Two listening sockets (80 and 443) in each of the first `count` bench containers, by Debian's static busybox. */
function listen(count: number): ChildProcess[] {
  const out: ChildProcess[] = [];
  for (let i = 0; i < count; i++)
    for (const port of ['80', '443'])
      out.push(
        spawn('ip', ['netns', 'exec', containerName(i), 'busybox', 'nc', '-l', '-p', port], {
          detached: true,
          stdio: 'ignore',
        }),
      );
  return out;
}

export async function reachSection(io: ReachBenchIo): Promise<void> {
  const runs = io.quick ? 2 : 3;
  // The lab of the real-traffic test: the matrix (read beside the snapshot, then traced) against one snapshot.
  await labUp();
  try {
    const dirs = ['--docker-netns-dir', LAB_DOCKER_NETNS_DIR];
    const snap: number[] = [];
    const reach: number[] = [];
    for (let r = 0; r < runs; r++) {
      snap.push(cli(['snapshot', '--json', ...dirs]));
      reach.push(cli(['reach', '--json', ...dirs]));
    }
    const ratios = reach.map((t, i) => t / (snap[i] ?? NaN));
    io.record({
      section: 'reach',
      case: 'lab: whole matrix vs one snapshot',
      value: io.ms(median(reach)),
      spread: spreadOf(reach, io.ms),
      ratio: median(ratios),
      baseline: `snapshot --json ${io.ms(median(snap))}`,
      target: '≤ 2×',
      met: ratios.every((x) => x <= 2),
    });
  } finally {
    await labDown();
  }

  // 200 namespaces with 400 sockets and no published ports: 200 rows × 400 columns.
  await benchLabUp(200, undefined, false);
  const servers = listen(200);
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const runner = new ExecRunner({ timeoutMs: 120_000 });
    const discovery = await discoverNamespaces();
    const [snapshot, extras] = await Promise.all([
      collectSnapshot(runner, discovery),
      collectTraceExtras(runner, discovery),
    ]);
    const ids = snapshot.namespaces.filter((n) => n.name?.startsWith('nxb-c')).map((n) => n.id);
    const scope = { from: ids, to: ids };
    const one: number[] = [];
    const parallel: number[] = [];
    let cells = 0;
    for (let r = 0; r < runs; r++) {
      let start = performance.now();
      const rows = reachRows(snapshot, scope);
      const columns = reachColumns(snapshot, extras, scope);
      cells = computeCells(snapshot, extras, rows, columns).length;
      one.push(performance.now() - start);
      start = performance.now();
      await computeMatrixParallel(snapshot, extras, scope);
      parallel.push(performance.now() - start);
    }
    io.record({
      section: 'reach',
      case: `200 ns × 400 sockets (${cells} cells), one thread`,
      value: io.ms(median(one)),
      spread: spreadOf(one, io.ms),
      ratio: null,
      baseline: '',
      target: '< 5 s',
      met: one.every((t) => t < 5000),
    });
    io.record({
      section: 'reach',
      case: `200 ns × 400 sockets, worker threads`,
      value: io.ms(median(parallel)),
      spread: spreadOf(parallel, io.ms),
      ratio: median(parallel) / median(one),
      baseline: 'one thread',
      target: '< 5 s',
      met: parallel.every((t) => t < 5000),
    });
  } finally {
    for (const s of servers) if (s.pid) process.kill(s.pid, 'SIGKILL');
    await benchLabDown();
  }
}
