// Capture on the lab, with real traffic. The trace of a connection from the outside client to the lab host's
// published port 8080 (DNAT to nxl-web1:80) names the interfaces it crosses; one capture of all of them shows the
// connection before the DNAT (on the host's uplink, to 198.18.0.1:8080) and after it (on nxl-web1's eth0, to
// 172.31.240.2:80). tshark reads the saved pcapng: one interface per captured interface, named namespace/interface,
// with the packet counts the capture reported. Stopping, limits and a killed capturer leave no tcpdump behind.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathSources } from '../../src/core/capture/targets';
import { DEFAULT_LIMITS } from '../../src/core/capture/session';
import { decodePacket } from '../../src/core/capture/decode';
import type { Snapshot } from '../../src/core/model';
import { traceConnection } from '../../src/core/trace/trace';
import { buildRequest } from '../../src/cli/trace';
import { Capture, checkFilter, type CaptureSource } from '../../src/host/capture';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner, runningCommandCount } from '../../src/host/runner';
import { collectTraceExtras } from '../../src/host/trace/collect';
import { LAB_DOCKER_NETNS_DIR, labDown, labUp } from '../lab/lab';
import { CLI, REPO, liveCaptureTcpdumps, noCaptureTcpdumpWithin, requireRoot, runCli, whichTool } from './helpers';

const tool = new ExecRunner();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lab's client: one TCP connection from nxl-out to the published port, which the server answers and closes. */
async function connectOnce(): Promise<void> {
  const r = await tool.run([
    'ip',
    'netns',
    'exec',
    'nxl-out',
    process.execPath,
    join(REPO, 'test/lab/client.js'),
    '198.18.0.1',
    '8080',
    'tcp',
  ]);
  assert.equal(r.failure, null, r.stderr);
}

async function tshark(file: string, fields: string[]): Promise<string[][]> {
  const r = await tool.run(['tshark', '-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  assert.equal(r.failure, null, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split('\t'));
}

describe('capture on the lab (real traffic)', function () {
  this.timeout(180_000);
  let snapshot: Snapshot;
  let dir: string;
  let path: CaptureSource[];

  before(async function () {
    requireRoot(this);
    whichTool('tcpdump');
    whichTool('tshark');
    assert.deepEqual(await liveCaptureTcpdumps(), [], 'a tcpdump with -w - was running before the tests');
    await labUp();
    dir = mkdtempSync(join(tmpdir(), 'nxl-capture-'));
    const discovery = await discoverNamespaces({ dockerDirs: [LAB_DOCKER_NETNS_DIR] });
    snapshot = await collectSnapshot(tool, discovery);
    const ours = new Set(snapshot.namespaces.filter((n) => /^nxl-/.test(n.name ?? '')).map((n) => n.id));
    const extras = await collectTraceExtras(tool, snapshot, 8, ours);
    const request = buildRequest(snapshot, { in: 'nxl-host', from: 'outside:eth0', to: '198.18.0.1:8080' });
    const result = traceConnection(snapshot, extras, request);
    assert.equal(result.connected, true, result.summary);
    path = pathSources(snapshot, result.outcomes[0]!.path);
  });

  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (snapshot) await labDown();
  });

  it('the traced path is the host uplink and the container eth0 (and the bridge ports between)', () => {
    const names = path.map((s) => `${s.target.label}/${s.target.iface}`);
    assert.ok(names.includes('nxl-host/eth0'), names.join(', '));
    assert.ok(names.includes('nxl-web1/eth0'), names.join(', '));
  });

  it('one capture of the path shows the connection before and after DNAT; tshark reads the pcapng', async () => {
    const file = join(dir, 'path.pcapng');
    const shown: { where: string; dst: string; dport: number | null; sport: number | null }[] = [];
    const capture = new Capture(path, {
      filter: 'tcp',
      limits: DEFAULT_LIMITS,
      privilege: 'none',
      file,
      onPackets: (packets) => {
        for (const p of packets) {
          const d = decodePacket(p.linktype, p.data);
          const t = path[p.source]!.target;
          shown.push({ where: `${t.label}/${t.iface}`, dst: d.dst, dport: d.dport, sport: d.sport });
        }
      },
    });
    await capture.started;
    assert.deepEqual(
      capture.sources.filter((s) => !s.listening).map((s) => s.error),
      [],
      'every tcpdump listens',
    );
    await connectOnce();
    await sleep(800);
    capture.stop();
    const summary = await capture.done;
    assert.equal(summary.reason, 'stopped');

    // Before the DNAT on the uplink, after it on the container's eth0: the same client port.
    const before = shown.find((p) => p.where === 'nxl-host/eth0' && p.dst === '198.18.0.1' && p.dport === 8080);
    assert.ok(before, JSON.stringify(shown));
    const after = shown.find((p) => p.where === 'nxl-web1/eth0' && p.dst === '172.31.240.2' && p.dport === 80);
    assert.ok(after, JSON.stringify(shown));
    assert.equal(after.sport, before.sport);

    // tshark: the interfaces by name, and per interface the packets the capture counted.
    const rows = await tshark(file, ['frame.interface_name', 'ip.dst', 'tcp.dstport', 'frame.time_epoch']);
    assert.equal(rows.length, summary.packets);
    for (const s of summary.sources) {
      const name = `${s.target.label}/${s.target.iface}`;
      assert.equal(rows.filter((r) => r[0] === name).length, s.packets, `${name}: ${rows.map((r) => r[0]).join(' ')}`);
    }
    assert.ok(rows.some((r) => r[0] === 'nxl-host/eth0' && r[1] === '198.18.0.1' && r[2] === '8080'));
    assert.ok(rows.some((r) => r[0] === 'nxl-web1/eth0' && r[1] === '172.31.240.2' && r[2] === '80'));
    // Merged by time: the file's packets are in timestamp order across interfaces.
    const times = rows.map((r) => Number(r[3]));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.deepEqual(await noCaptureTcpdumpWithin(3000), []);
    // A stopped group is forgotten once its grace period is over (runner.ts).
    for (let i = 0; i < 30 && runningCommandCount() > 0; i++) await sleep(100);
    assert.equal(runningCommandCount(), 0);
  });

  it('stops at the packet limit with exactly that many packets', async () => {
    const file = join(dir, 'count.pcapng');
    const capture = new Capture(path, {
      filter: '',
      limits: { ...DEFAULT_LIMITS, packets: 3 },
      privilege: 'none',
      file,
      onPackets: () => undefined,
    });
    await capture.started;
    await connectOnce();
    const summary = await capture.done;
    assert.equal(summary.reason, 'packets');
    assert.equal(summary.packets, 3);
    assert.equal((await tshark(file, ['frame.number'])).length, 3);
    assert.deepEqual(await noCaptureTcpdumpWithin(3000), []);
  });

  it('stops at the time limit on a quiet interface', async () => {
    const capture = new Capture([path[0]!], {
      filter: 'udp port 9',
      limits: { ...DEFAULT_LIMITS, seconds: 1 },
      privilege: 'none',
      file: null,
      onPackets: () => undefined,
    });
    const summary = await capture.done;
    assert.equal(summary.reason, 'seconds');
    assert.equal(summary.packets, 0);
    assert.deepEqual(await noCaptureTcpdumpWithin(3000), []);
  });

  it('checks the filter with tcpdump -d before starting', async () => {
    assert.equal(await checkFilter(tool, path[0]!, 'tcp port 8080'), null);
    const bad = await checkFilter(tool, path[0]!, 'tcp port eighty');
    assert.match(bad ?? '', /tcpdump: .*eighty/);
    // The filter is one argument after `--`: text that looks like an option is not read as one.
    assert.match((await checkFilter(tool, path[0]!, '-w /tmp/nxl-not-written')) ?? '', /tcpdump:/);
  });

  it('a missing interface says which ones there are; the CLI writes the same pcapng', async () => {
    const missing = await runCli([
      'capture',
      '-i',
      'nxl-web1:eth9',
      '-w',
      join(dir, 'x.pcapng'),
      '--docker-netns-dir',
      LAB_DOCKER_NETNS_DIR,
    ]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /nxl-web1 has no interface "eth9" \(it has lo, eth0\)/);

    const file = join(dir, 'cli.pcapng');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'capture',
        '-i',
        'nxl-host:eth0',
        '-i',
        'nxl-web1:eth0',
        '--filter',
        'tcp',
        '--duration',
        '30',
        '-w',
        file,
        '--docker-netns-dir',
        LAB_DOCKER_NETNS_DIR,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    for (let i = 0; i < 300 && (err.match(/listening on/g) ?? []).length < 2; i++) await sleep(100);
    await connectOnce();
    await sleep(800);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, err);
    assert.match(out, /nxl-host\/eth0 TCP 198\.18\.0\.2:\d+ → 198\.18\.0\.1:8080 \d+ \d+ → 8080 \[SYN\]/);
    assert.match(out, /nxl-web1\/eth0 TCP 198\.18\.0\.2:\d+ → 172\.31\.240\.2:80 \d+ \d+ → 80 \[SYN\]/);
    const names = new Set((await tshark(file, ['frame.interface_name'])).map((r) => r[0]));
    assert.deepEqual([...names].sort(), ['nxl-host/eth0', 'nxl-web1/eth0']);
    assert.match(err, /written to .*cli\.pcapng: stopped/);
    assert.deepEqual(await noCaptureTcpdumpWithin(3000), []);
  });

  it('a capturer killed with SIGKILL leaves no tcpdump (parent-death signal)', async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'capture',
        '-i',
        'nxl-host:eth0',
        '-i',
        'nxl-web1:eth0',
        '-w',
        join(dir, 'killed.pcapng'),
        '--docker-netns-dir',
        LAB_DOCKER_NETNS_DIR,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    for (let i = 0; i < 300 && (err.match(/listening on/g) ?? []).length < 2; i++) await sleep(100);
    assert.equal((await liveCaptureTcpdumps()).length, 2, err);
    child.kill('SIGKILL');
    assert.deepEqual(await noCaptureTcpdumpWithin(3000), []);
  });
});
