// The xtables lock held by another process: reading never waits for it, and a restore that would wait is cut off or
// refused.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { DiscoveredNamespace } from '../../src/core/model';
import { collectNamespace } from '../../src/host/collect';
import { ExecRunner } from '../../src/host/runner';
import { requireRoot } from './helpers';

const NS = `nxh-lock-${process.pid}`;
const LOCK = '/run/xtables.lock';
const runner = new ExecRunner({ timeoutMs: 10_000 });
const inNs = (...argv: string[]) => ['ip', 'netns', 'exec', NS, ...argv];

/** Holds the legacy xtables lock from inside the test namespace (the lock file itself is host-wide) until released. */
async function holdLock(): Promise<ChildProcess> {
  // Its own process group, so release() ends flock and its sleep together.
  const holder = spawn('ip', ['netns', 'exec', NS, 'flock', '--exclusive', LOCK, 'sleep', '20'], {
    stdio: 'ignore',
    detached: true,
  });
  // Wait until flock really holds it: a non-blocking probe fails while it does.
  for (let i = 0; i < 100; i++) {
    const probe = await runner.run(['flock', '--nonblock', LOCK, 'true']);
    if (probe.exitCode !== 0) return holder;
    await new Promise((r) => setTimeout(r, 20));
  }
  await release(holder);
  throw new Error('could not take the xtables lock');
}

async function release(holder: ChildProcess): Promise<void> {
  if (holder.exitCode !== null || holder.signalCode !== null) return;
  const exited = once(holder, 'exit');
  process.kill(-holder.pid!, 'SIGKILL');
  await exited;
}

describe('faults: the xtables lock held by another process', function () {
  this.timeout(60_000);
  let ns: DiscoveredNamespace;
  let holder: ChildProcess | undefined;

  before(async function () {
    requireRoot(this);
    assert.equal((await runner.run(['ip', 'netns', 'add', NS])).failure, null);
    // A legacy table, so the nf_tables iptables-save warns and collection also runs iptables-legacy-save.
    assert.equal((await runner.run(inNs('iptables-legacy', '-t', 'nat', '-N', 'NXH-LEGACY'))).failure, null);
    const { statSync } = await import('node:fs');
    const st = statSync(`/run/netns/${NS}`);
    ns = {
      id: String(st.ino),
      dev: st.dev,
      ino: st.ino,
      kind: 'named',
      name: NS,
      paths: [`/run/netns/${NS}`],
      processes: [],
    };
  });
  afterEach(async () => {
    if (holder) await release(holder);
    holder = undefined;
  });
  after(async () => {
    await runner.run(['ip', 'netns', 'del', NS]);
  });

  it('collection reads nf_tables and legacy rules without waiting: iptables-save and iptables-legacy-save take no lock', async () => {
    holder = await holdLock();
    const started = Date.now();
    const raw = await collectNamespace(runner, ns);
    const took = Date.now() - started;
    assert.deepEqual(raw.errors, []);
    assert.ok(
      raw.nat.some((s) => s.source === 'iptables-legacy-save' && s.text.includes(':NXH-LEGACY')),
      'the legacy rules were read while the lock was held',
    );
    assert.ok(took < 3000, `collection took ${took} ms`);
  });

  it('iptables-legacy-restore without -w waits for the lock: our timeout cuts it off, and nothing was written', async () => {
    holder = await holdLock();
    const r = await runner.run(inNs('iptables-legacy-restore', '--noflush'), {
      input: '*nat\n:NXH-WAITED - [0:0]\nCOMMIT\n',
      timeoutMs: 800,
    });
    assert.equal(r.failure?.reason, 'timeout');
    assert.match(r.failure.message, /timed out after 800 ms/);
    await release(holder);
    const save = await runner.run(inNs('iptables-legacy-save', '-t', 'nat'));
    assert.doesNotMatch(save.stdout, /NXH-WAITED/, 'the cut-off restore changed nothing');
  });

  it('iptables-legacy-restore -w 1 gives up after a second with a clear failure, and nothing was written', async () => {
    holder = await holdLock();
    const r = await runner.run(inNs('iptables-legacy-restore', '--noflush', '-w', '1'), {
      input: '*nat\n:NXH-REFUSED - [0:0]\nCOMMIT\n',
    });
    assert.equal(r.failure?.reason, 'failed');
    assert.equal(r.exitCode, 4);
    assert.match(r.failure.message, /xtables\.lock/);
    assert.match(r.stderr, /Another app is currently holding the xtables lock/);
    await release(holder);
    const save = await runner.run(inNs('iptables-legacy-save', '-t', 'nat'));
    assert.doesNotMatch(save.stdout, /NXH-REFUSED/);
  });

  it('the nf_tables iptables-restore does not use the lock at all', async () => {
    holder = await holdLock();
    const started = Date.now();
    const r = await runner.run(inNs('iptables-restore', '--noflush', '-w', '1'), {
      input: '*nat\n:NXH-NFT - [0:0]\nCOMMIT\n',
    });
    assert.equal(r.failure, null, r.stderr);
    assert.ok(Date.now() - started < 1000);
  });
});
