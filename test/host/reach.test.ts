// The reachability matrix against real traffic: every TCP cell of the lab is tried with a real connection from the
// row's namespace, and every cell the matrix is sure of must agree.
import { strict as assert } from 'node:assert';
import type { Snapshot } from '../../src/core/model';
import { computeMatrix, type ReachMatrix } from '../../src/core/reach/matrix';
import { whatIf } from '../../src/core/reach/whatIf';
import type { NamespaceExtras } from '../../src/core/trace/types';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner } from '../../src/host/runner';
import { collectTraceExtras } from '../../src/host/trace/collect';
import { LAB_DOCKER_NETNS_DIR, labDown, labUp, type LabState } from '../lab/lab';
import { requireRoot, runCli } from './helpers';

const runner = new ExecRunner({ timeoutMs: 60_000 });

/** Connects to every target at once from inside a namespace; prints one JSON array of booleans (connected or not). */
const PROBE_MANY = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
const ms = Number(process.argv[2]);
Promise.all(targets.map(([host, port]) => new Promise((done) => {
  const s = net.connect({ host, port });
  const end = (ok) => { s.destroy(); done(ok); };
  const timer = setTimeout(() => end(false), ms);
  s.on('connect', () => { clearTimeout(timer); end(true); });
  s.on('error', () => { clearTimeout(timer); end(false); });
}))).then((r) => process.stdout.write(JSON.stringify(r)));`;

async function probeAll(enter: string[], targets: [string, number][]): Promise<boolean[]> {
  const r = await runner.run([...enter, process.execPath, '-e', PROBE_MANY, JSON.stringify(targets), '2500'], {
    timeoutMs: 30_000,
  });
  assert.equal(r.failure, null, r.stderr);
  return JSON.parse(r.stdout) as boolean[];
}

/** Routes the outside client (nxl-out) sends the lab's container subnets by, so the outside row can be tried. */
const OUTSIDE_ROUTES = [
  ['ip', '-n', 'nxl-out', 'route', 'add', '172.31.240.0/24', 'via', '198.18.0.1'],
  ['ip', '-n', 'nxl-out', '-6', 'route', 'add', 'fd00:6e78::/64', 'via', 'fd00:6e79::1'],
];

describe('reachability matrix against real traffic (nxl- lab)', function () {
  this.timeout(600_000);
  let lab: LabState;
  let snapshot: Snapshot;
  let extras: Map<string, NamespaceExtras>;
  let matrix: ReachMatrix;
  let ours: string[];

  before(async function () {
    requireRoot(this);
    lab = await labUp();
    for (const argv of OUTSIDE_ROUTES) assert.equal((await runner.run(argv)).failure, null, argv.join(' '));
    const discovery = await discoverNamespaces({ dockerDirs: [LAB_DOCKER_NETNS_DIR] });
    snapshot = await collectSnapshot(runner, discovery);
    extras = await collectTraceExtras(runner, discovery);
    const inodes = new Set(lab.namespaces.map((n) => n.inode));
    ours = snapshot.namespaces.filter((n) => inodes.has(n.id)).map((n) => n.id);
    assert.equal(ours.length, lab.namespaces.length, 'every lab namespace is in the snapshot');
    const host = lab.namespaces.find((n) => n.key === 'host')!.inode;
    matrix = computeMatrix(snapshot, extras, { from: [...ours, `outside:eth0@${host}`], to: ours });
  });

  after(async function () {
    if (process.getuid?.() === 0) await labDown();
  });

  it('has a row per lab namespace plus the outside, and a column per socket and published address', function () {
    assert.equal(matrix.rows.length, lab.namespaces.length + 1);
    const listening = lab.namespaces.flatMap((n) => n.listening.map((l) => `${n.inode}|${l.protocol}|${l.port}`));
    for (const key of listening)
      assert.ok(
        matrix.columns.some((c) => `${c.namespace}|${c.proto}|${c.port}` === key),
        `a column for the socket ${key}`,
      );
    for (const m of lab.portMappings) {
      const port = typeof m.hostPort === 'number' ? m.hostPort : Number(m.hostPort.split('-')[0]);
      assert.ok(
        matrix.columns.some((c) => c.kind === 'published' && c.port === port && c.proto === m.protocol),
        `a column for published ${m.hostIp}:${m.hostPort}`,
      );
    }
  });

  it('every TCP cell it is sure of agrees with a real connection, and at most 2% are uncertain', async function () {
    const uncertain = matrix.cells.filter((c) => c.uncertain).length;
    assert.ok(uncertain <= matrix.cells.length * 0.02, `${uncertain} of ${matrix.cells.length} cells uncertain`);
    const tcp = matrix.cells.filter((c) => c.to.proto === 'tcp');
    const disagreements: string[] = [];
    let tried = 0;
    await Promise.all(
      matrix.rows.map(async (row, r) => {
        const cells = tcp.filter((c) => c.row === r);
        // The outside row is tried from the namespace on the far side of the uplink.
        const client = row.source.kind === 'outside' ? snapshot.namespaces.find((n) => n.name === 'nxl-out') : null;
        const ns = client ?? snapshot.namespaces.find((n) => n.id === row.namespace)!;
        const enter = ['nsenter', `--net=${ns.paths[0]}`, '--'];
        const real = await probeAll(
          enter,
          cells.map((c) => [c.to.ip, c.to.port]),
        );
        cells.forEach((cell, i) => {
          tried++;
          if (!cell.uncertain && real[i] !== cell.connected)
            disagreements.push(
              `${row.label} → ${matrix.columns[cell.column]!.label}: matrix ${cell.connected ? 'connects' : 'fails'} (${cell.answer}), real ${real[i] ? 'connected' : 'failed'}`,
            );
        });
      }),
    );
    assert.ok(tried > 200, `tried ${tried} TCP cells`);
    console.log(
      `      ${matrix.rows.length} rows × ${matrix.columns.length} columns, ${matrix.cells.length} cells (${uncertain} uncertain); ${tried} TCP cells tried for real`,
    );
    assert.deepEqual(disagreements, []);
    // Both answers occur: the lab has working and failing pairs.
    assert.ok(tcp.some((c) => c.connected) && tcp.some((c) => !c.connected));
  });

  it('what if: the cells a new mapping would flip, then flipped for real once it is added', async function () {
    const host = snapshot.namespaces.find((n) => n.name === 'nxl-host')!;
    const dirs = ['--docker-netns-dir', LAB_DOCKER_NETNS_DIR];
    const map = ['map', 'add', '--in', 'nxl-host', '--host-port', '18080', '--to', '172.31.240.2:80', ...dirs];
    const dry = await runCli([...map, '--dry-run']);
    assert.equal(dry.failure, null, dry.stderr);
    const said = /what if: (\d+) cells? of the reachability matrix change/.exec(dry.stdout);
    assert.ok(said, dry.stdout);
    // The same what-if in process, over the lab only, to try each flipped cell for real.
    const { planAdd } = await import('../../src/core/mapping/plan');
    const { parseIptablesSave } = await import('../../src/core/iptables/parse');
    const save = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-save']);
    const planned = planAdd(
      parseIptablesSave(save.stdout),
      { family: 'ipv4', protocol: 'tcp', hostIp: null, hostPort: 18080, targetIp: '172.31.240.2', targetPort: 80 },
      [],
      [],
    );
    assert.ok(planned.ok, 'a plan');
    const plan = planned.plan;
    const scope = { from: [...ours, `outside:eth0@${host.id}`], to: ours };
    const w = whatIf(snapshot, extras, { namespace: host.id, family: 'ipv4', ops: plan.ops }, scope);
    assert.ok(w.flips.length > 0 && w.flips.every((f) => !f.before.connected && f.after.connected), 'only gains');
    const add = await runCli(map);
    assert.equal(add.failure, null, add.stderr);
    try {
      for (const f of w.flips.filter((x) => x.after.to.proto === 'tcp')) {
        const row = w.after!.rows[f.after.row]!;
        const client =
          row.source.kind === 'outside'
            ? snapshot.namespaces.find((n) => n.name === 'nxl-out')!
            : snapshot.namespaces.find((n) => n.id === row.namespace)!;
        const [real] = await probeAll(
          ['nsenter', `--net=${client.paths[0]}`, '--'],
          [[f.after.to.ip, f.after.to.port]],
        );
        assert.equal(real, true, `${f.row} → ${f.column} connects once the mapping is added`);
      }
    } finally {
      const rm = await runCli(['map', 'rm', '--in', 'nxl-host', '--host-port', '18080', ...dirs]);
      assert.equal(rm.failure, null, rm.stderr);
    }
  });

  it('reach --json prints the same cells, in the documented shape', async function () {
    const args = ['reach', '--json', '--docker-netns-dir', LAB_DOCKER_NETNS_DIR];
    for (const id of ours) args.push('--from', id, '--to', id);
    const r = await runCli(args);
    assert.equal(r.failure, null, r.stderr);
    const out = JSON.parse(r.stdout) as { cells: Record<string, unknown>[] };
    const local = matrix.cells.filter((c) => c.via === undefined);
    assert.equal(out.cells.length, local.length);
    for (const cell of out.cells) {
      assert.equal(typeof cell.from, 'string');
      assert.deepEqual(Object.keys(cell.to as object).sort(), ['ip', 'namespace', 'port', 'proto']);
      assert.ok(
        ['delivered', 'refused', 'dropped', 'unreachable', 'left'].includes((cell.verdict as { kind: string }).kind),
      );
      assert.ok(cell.reply === null || typeof (cell.reply as { kind: string }).kind === 'string');
      assert.equal(typeof cell.uncertain, 'boolean');
      if ((cell.verdict as { kind: string }).kind !== 'delivered') assert.equal(cell.reply, null);
    }
    const connected = (cells: { connected?: unknown }[]) => cells.filter((c) => c.connected === true).length;
    assert.equal(connected(out.cells), connected(local));
  });
});
