// A tool that never exits is stopped with everything it started: a script's `sleep`, the dump `ip netns exec` forks.
// Each read finishes within its timeout plus a margin, keeps the other namespaces' data, and leaves no process.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MappingSpec } from '../../src/core/mapping/types';
import { collectNamespace, collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { addMapping, MappingError } from '../../src/host/portMapping/apply';
import { ExecRunner, KILL_GRACE_MS, runningCommandCount } from '../../src/host/runner';
import { spawn } from 'node:child_process';
import { CLI, requireRoot, whichTool } from './helpers';

const PREFIX = `nxh-hung-${process.pid}`;
const TIMEOUT_MS = 1500;
/** The acceptance margin: a timed-out read ends within the timeout plus this. */
const MARGIN_MS = 5000;
const admin = new ExecRunner({ timeoutMs: 20_000 });

/**
 * A folder for PATH whose `tool` hangs the way a stuck dump does: a shell that starts `sleep 600` and waits for it,
 * so killing the shell alone leaves the sleep holding the output pipe. It records both pids. With `once`, only its
 * first run hangs; later runs are the real tool.
 */
function hangingTool(tool: string, once: boolean): { dir: string; pids: () => number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nxh-hung-'));
  const marks = join(dir, 'pids');
  const flag = join(dir, 'hung-once');
  const real = whichTool(tool);
  const hang = `echo $$ >> '${marks}'; /bin/sleep 600 & echo $! >> '${marks}'; wait`;
  const body = once ? `if [ -e '${flag}' ]; then exec '${real}' "$@"; fi; : > '${flag}'; ${hang}` : hang;
  writeFileSync(join(dir, tool), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, tool), 0o755);
  return {
    dir,
    pids: () => (existsSync(marks) ? readFileSync(marks, 'utf8').split('\n').filter(Boolean).map(Number) : []),
  };
}

/** Alive and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

async function assertNoneLeft(pids: number[]): Promise<void> {
  assert.ok(pids.length >= 2, `the fake tool ran and recorded its shell and its sleep: ${pids.join(', ')}`);
  // The group got TERM at the timeout; KILL follows after the grace period for anything that ignored it.
  await new Promise((resolve) => setTimeout(resolve, KILL_GRACE_MS + 500));
  assert.deepEqual(pids.filter(alive), [], 'no process of the hung tool is left (the sleep would have lived 600 s)');
  assert.equal(runningCommandCount(), 0, 'the runner tracks no command any more');
}

const runnerWith = (dir: string) =>
  new ExecRunner({ timeoutMs: TIMEOUT_MS, env: { PATH: `${dir}:${process.env.PATH ?? ''}` } });

describe('faults: a hung tool is stopped with its children', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const names = Array.from({ length: 17 }, (_, i) => `${PREFIX}-${i}`);

  before(async function () {
    requireRoot(this);
    // Namespaces of an earlier run that was killed before its after hook (any pid).
    const stale = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('nxh-hung-')) : [];
    for (const name of stale) await admin.run(['ip', 'netns', 'del', name]);
    for (const name of names) {
      const r = await admin.run(['ip', 'netns', 'add', name]);
      assert.equal(r.failure, null, r.stderr);
      await admin.run(['ip', '-n', name, 'link', 'add', 'nxh0', 'type', 'veth', 'peer', 'name', 'nxh1']);
    }
  });
  after(async () => {
    for (const name of names) await admin.run(['ip', 'netns', 'del', name]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the per-namespace read: iptables-save times out, the links are still read, nothing is left', async () => {
    const fake = hangingTool('iptables-save', false);
    dirs.push(fake.dir);
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const ns = discovery.namespaces.find((n) => n.name === names[0])!;
    const started = Date.now();
    const raw = await collectNamespace(runnerWith(fake.dir), ns);
    const took = Date.now() - started;
    assert.ok(took < TIMEOUT_MS + MARGIN_MS, `took ${took} ms`);
    const timeout = raw.errors.find((e) => e.reason === 'timeout');
    assert.ok(timeout, JSON.stringify(raw.errors));
    assert.match(timeout.command, /iptables-save/);
    assert.match(raw.ip?.text ?? '', /nxh0/, 'the links of the namespace were read');
    assert.ok(
      raw.nat.some((n) => n.source === 'ip6tables-save'),
      'the IPv6 rules were read',
    );
    await assertNoneLeft(fake.pids());
  });

  it('the batched read (ip -all netns exec): the hung batch is cut off, every namespace is read one by one', async () => {
    const fake = hangingTool('iptables-save', true);
    dirs.push(fake.dir);
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const started = Date.now();
    const snapshot = await collectSnapshot(runnerWith(fake.dir), discovery);
    const took = Date.now() - started;
    assert.ok(took < TIMEOUT_MS + MARGIN_MS, `took ${took} ms`);
    for (const name of names) {
      const ns = snapshot.namespaces.find((n) => n.name === name);
      assert.ok(
        ns?.interfaces.some((i) => i.name === 'nxh0'),
        `${name}: links read`,
      );
      assert.ok(
        snapshot.nat.some((s) => s.namespace === ns?.id && s.source === 'iptables-save'),
        `${name}: IPv4 rules read after the batch was stopped`,
      );
    }
    await assertNoneLeft(fake.pids());
  });

  it('a port-mapping apply: iptables-restore times out, the rules are unchanged, nothing is left', async () => {
    const fake = hangingTool('iptables-restore', false);
    dirs.push(fake.dir);
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const ns = discovery.namespaces.find((n) => n.name === names[1])!;
    // Docker-like starting point: the nat and filter tables with their hooks, no rules.
    const tables =
      '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n';
    const filter = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const init = await admin.run(['ip', 'netns', 'exec', names[1], 'iptables-restore'], { input: tables + filter });
    assert.equal(init.failure, null, init.stderr);
    const before = await admin.run(['ip', 'netns', 'exec', names[1], 'iptables-save']);
    assert.match(before.stdout, /\*nat/);
    const spec: MappingSpec = {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18081,
      targetIp: '10.213.0.2',
      targetPort: 80,
    };
    const started = Date.now();
    const error = await addMapping({ runner: runnerWith(fake.dir), namespace: ns }, spec).then(
      () => null,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    assert.ok(error instanceof MappingError, `the apply failed: ${String(error)}`);
    assert.match(error.message, /timed out/);
    assert.ok(took < TIMEOUT_MS + MARGIN_MS, `took ${took} ms`);
    const after = await admin.run(['ip', 'netns', 'exec', names[1], 'iptables-save']);
    const rules = (text: string) => text.split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':'));
    assert.deepEqual(rules(after.stdout), rules(before.stdout), 'no rule was added or left behind');
    await assertNoneLeft(fake.pids());
  });

  it('the CLI stopped with Ctrl-C (SIGINT) while a dump hangs: it exits at once and stops the dump', async () => {
    const fake = hangingTool('iptables-save', false);
    dirs.push(fake.dir);
    const cli = spawn(process.execPath, [CLI, 'snapshot', '--timeout', '60000'], {
      env: { ...process.env, PATH: `${fake.dir}:${process.env.PATH ?? ''}` },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
    // Wait until the fake is running (its pids are recorded), then interrupt.
    for (let i = 0; i < 100 && fake.pids().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    cli.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.ok(Date.now() - started < MARGIN_MS, 'the CLI exits at once, not after the 60 s timeout');
    await assertNoneLeft(fake.pids());
  });
});
