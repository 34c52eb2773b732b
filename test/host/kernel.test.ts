// The kernel as witness (`trace --kernel --send --json`) on the trace and nftables labs: the model and the kernel
// agree step by step on the scenarios below; a `socket` match the model cannot evaluate makes them disagree, with the
// step named; legacy xtables are reported as not observable; and no tracing table or monitor survives any run, a
// killed one included.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { HelperAccess, HelperClient } from '../../src/host/helper/client';
import { ExecRunner } from '../../src/host/runner';
import { nftLabDown, nftLabUp } from '../lab/nftLab';
import { traceLabDown, traceLabUp } from '../lab/traceScenarios';
import { CLI, requireRoot, runCli } from './helpers';

const runner = new ExecRunner({ timeoutMs: 30_000 });
const TABLE = 'netns-explorer-trace';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Witnessed {
  agrees: boolean;
  verdict: { kind: string };
  reply: { kind: string } | null;
  kernel: {
    observable: boolean;
    why: string | null;
    steps: { namespace: string; table: string; chain: string; handle: number | null; rule: unknown; verdict: string }[];
    verdict: { kind: string } | null;
  };
  diff: { modelOnly: string[]; kernelOnly: string[] };
}

async function witness(args: string[]): Promise<Witnessed> {
  const r = await runCli(['trace', '--kernel', '--send', '--json', '--wait', '5', ...args]);
  assert.equal(r.failure, null, r.stderr);
  return JSON.parse(r.stdout) as Witnessed;
}

/** `ip netns` names holding our tracing table now. */
async function tablesLeft(): Promise<string[]> {
  const list = await runner.run(['ip', 'netns', 'list']);
  const names = list.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => /^nx[tnk]-/.test(n));
  const left: string[] = [];
  for (const n of names) {
    const r = await runner.run(['ip', 'netns', 'exec', n, 'nft', 'list', 'tables']);
    if (r.stdout.includes(TABLE)) left.push(n);
  }
  return left;
}

/** Processes carrying our monitors' owner mark. */
function monitorsLeft(): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'latin1').includes('NETNS_EXPLORER_TRACE_OWNER=')) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

const OUT = 'outside:eth0';
const AGREE: { title: string; args: string[] }[] = [
  { title: 'a DNAT to a container', args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8080'] },
  { title: 'a drop in FORWARD (DOCKER-USER)', args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8081'] },
  {
    title: 'a container address from outside, dropped in raw',
    args: ['--in', 'nxt-host', '--from', OUT, '--to', '10.77.0.2:80'],
  },
  { title: 'an unpublished container port', args: ['--in', 'nxt-host', '--from', OUT, '--to', '10.78.0.2:80'] },
  { title: 'a hairpin (hairpin on)', args: ['--in', 'nxt-host', '--from', 'nxt-b', '--to', '198.19.0.1:8086'] },
  {
    title: 'container to container on one bridge',
    args: ['--in', 'nxt-host', '--from', 'nxt-a', '--to', '10.77.0.3:80'],
  },
  { title: 'a reply rejected on its way back', args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8092'] },
  { title: 'a NOTRACK rule ahead of a mapping', args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8091'] },
  { title: 'nothing listens behind a DNAT', args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8090'] },
  {
    title: 'a native nftables table at the same hook as iptables-nft chains (a native drop after an accept)',
    args: ['--in', 'nxn-mx', '--from', OUT, '--to', '198.19.25.1:8084'],
  },
  {
    title: 'a native drop before iptables-nft NAT',
    args: ['--in', 'nxn-mx', '--from', OUT, '--to', '198.19.25.1:8085'],
  },
  {
    title: 'a UDP mapping (a datagram and its answer)',
    args: ['--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:5353', '--proto', 'udp'],
  },
  { title: "Docker 29's nftables publishing", args: ['--in', 'nxn-d29', '--from', OUT, '--to', '198.19.21.1:8080'] },
  { title: 'Netavark publishing', args: ['--in', 'nxn-nv', '--from', OUT, '--to', '198.19.23.1:8081'] },
];

describe('the kernel as witness: trace --kernel --send', function () {
  this.timeout(900_000);

  before(async function () {
    requireRoot(this);
    await traceLabUp();
    await nftLabUp();
  });

  after(async function () {
    if (process.getuid?.() !== 0) return;
    await runner.run(['ip', 'netns', 'del', 'nxk-legacy']);
    await nftLabDown();
    await traceLabDown();
  });

  for (const sc of AGREE)
    it(`agrees step by step: ${sc.title}`, async () => {
      const w = await witness(sc.args);
      assert.ok(w.kernel.observable, w.kernel.why ?? '');
      assert.ok(w.kernel.steps.length > 0, 'the kernel showed its walk');
      assert.ok(
        w.kernel.steps.filter((s) => s.handle !== null).every((s) => s.rule !== null),
        'every rule is tied to the view',
      );
      assert.equal(
        w.agrees,
        true,
        `model only: ${w.diff.modelOnly.join('; ')}; kernel only: ${w.diff.kernelOnly.join('; ')}; verdicts ${w.verdict.kind}/${w.kernel.verdict?.kind}`,
      );
      assert.equal(w.kernel.verdict?.kind, w.verdict.kind);
    });

  it('a socket match the model cannot evaluate: the kernel disagrees, and names the rule', async () => {
    // nxt's container 10.77.0.3 listens on *:80; -m socket --nowildcard finds that listener for the SYN (without
    // --nowildcard a wildcard listener is ignored), so the kernel drops it.
    const owner = (await runner.run(['ip', '-all', 'netns', 'exec', 'ip', '-o', 'addr', 'show'])).stdout;
    const ns = /netns: (\S+)\n(?:(?!netns:)[\s\S])*?inet 10\.77\.0\.3\//.exec(owner)?.[1];
    assert.ok(ns, 'the namespace holding 10.77.0.3');
    const rule = ['INPUT', '-p', 'tcp', '--dport', '80', '-m', 'socket', '--nowildcard', '-j', 'DROP'];
    assert.equal((await runner.run(['ip', 'netns', 'exec', ns, 'iptables', '-I', ...rule])).failure, null);
    try {
      const w = await witness(['--in', 'nxt-host', '--from', 'nxt-a', '--to', '10.77.0.3:80']);
      assert.equal(w.agrees, false);
      assert.ok(
        w.diff.kernelOnly.some((k) => /INPUT #1/.test(k)),
        `the differing step is named: ${w.diff.kernelOnly.join('; ')}`,
      );
      assert.equal(w.kernel.verdict?.kind, 'dropped');
      assert.equal(w.verdict.kind, 'delivered', 'the model assumed the socket match does not match');
    } finally {
      await runner.run(['ip', 'netns', 'exec', ns, 'iptables', '-D', ...rule]);
    }
  });

  it('a namespace with legacy xtables rules is not observable, with the reason', async () => {
    await runner.run(['ip', 'netns', 'del', 'nxk-legacy']);
    assert.equal((await runner.run(['ip', 'netns', 'add', 'nxk-legacy'])).failure, null);
    await runner.run(['ip', '-n', 'nxk-legacy', 'link', 'set', 'lo', 'up']);
    await runner.run([
      'ip',
      'netns',
      'exec',
      'nxk-legacy',
      'iptables-legacy',
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      '9',
      '-j',
      'DROP',
    ]);
    const w = await witness(['--in', 'nxk-legacy', '--from', 'host', '--to', '127.0.0.1:9']);
    assert.equal(w.kernel.observable, false);
    assert.match(w.kernel.why ?? '', /legacy xtables/);
    assert.equal(w.agrees, false);
    assert.deepEqual(await tablesLeft(), []);
  });

  it('after kill -9 mid-run, the next run removes the leftover table and monitors; map clean removes a table', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'trace', '--kernel', '--wait', '60', '--in', 'nxt-host', '--from', OUT, '--to', '198.19.0.1:8080'],
      { stdio: 'ignore' },
    );
    const until = Date.now() + 30_000;
    while (Date.now() < until && (await tablesLeft()).length === 0) await sleep(200);
    assert.ok((await tablesLeft()).length > 0, 'the run put its tables in');
    await sleep(500);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok((await tablesLeft()).length > 0, 'kill -9 left the tables behind');
    assert.ok(monitorsLeft().length > 0, 'and its monitors');
    await witness(AGREE[0]!.args);
    assert.deepEqual(await tablesLeft(), [], 'the next run took them back');
    assert.deepEqual(monitorsLeft(), []);
    // A table left some other way: map clean finds it.
    await runner.run(['ip', 'netns', 'exec', 'nxt-host', 'nft', 'add', 'table', 'inet', TABLE]);
    const clean = await runCli(['map', 'clean', '--in', 'nxt-host']);
    assert.equal(clean.failure, null, clean.stderr);
    assert.match(clean.stdout, /left by trace --kernel/);
    assert.deepEqual(await tablesLeft(), []);
  });

  it("through the privileged helper (the extension's path): a helper killed mid-run leaves nothing after the next run", async () => {
    const client = await HelperClient.start({
      command: [process.execPath, CLI, 'helper', '--stdio'],
      elevation: { how: 'none' },
    });
    const access = new HelperAccess(client);
    try {
      const snapshot = await access.snapshot({
        dockerDirs: ['/run/netns-explorer-lab/docker-netns'],
        concurrency: 8,
        skipNat: false,
        changed: null,
      });
      const host = snapshot.namespaces.find((n) => n.name === 'nxt-host')!;
      const request = {
        source: { kind: 'outside' as const, namespace: host.id, iface: 'eth0' },
        dst: '198.19.0.1',
        dport: 8080,
        protocol: 'tcp' as const,
      };
      const done = await access.kernelTrace(request, { dockerDirs: [], send: true, waitMs: 5000 });
      assert.equal(done.comparison.agrees, true, done.comparison.summary);
      const pending = access.kernelTrace(request, { dockerDirs: [], send: false, waitMs: 60_000 }).catch(() => null);
      const until = Date.now() + 30_000;
      while (Date.now() < until && (await tablesLeft()).length === 0) await sleep(200);
      assert.ok((await tablesLeft()).length > 0, 'the helper put its tables in');
      process.kill(client.pid, 'SIGKILL');
      await pending;
    } finally {
      client.dispose();
    }
    assert.ok((await tablesLeft()).length > 0, 'a killed helper left its tables');
    await witness(AGREE[0]!.args);
    assert.deepEqual(await tablesLeft(), []);
    assert.deepEqual(monitorsLeft(), []);
  });

  it('50 runs leave no process and no table', async () => {
    for (let i = 0; i < 50; i++) {
      const w = await witness(AGREE[0]!.args);
      assert.ok(w.kernel.observable);
    }
    assert.deepEqual(await tablesLeft(), []);
    assert.deepEqual(monitorsLeft(), []);
  });
});
