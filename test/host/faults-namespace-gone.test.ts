// A namespace that disappears between discovery and its commands: a clear error for it alone, the rest of the snapshot
// intact.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Snapshot } from '../../src/core/model';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner, type CommandResult, type RunOptions, type Runner } from '../../src/host/runner';
import { requireRoot } from './helpers';
import { isIptablesSet } from '../../src/core/rules/iptables';

const PREFIX = `nxh-gone-${process.pid}`;
const KEEP = [`${PREFIX}-a`, `${PREFIX}-c`];
const DOOMED = `${PREFIX}-b`;
const runner = new ExecRunner({ timeoutMs: 10_000 });

/** Runs commands as usual, but first runs `beforeFirst` once, when the first command aimed at `target` comes in. */
class DeletingRunner implements Runner {
  private done = false;
  constructor(
    private readonly inner: Runner,
    private readonly target: (argv: readonly string[]) => boolean,
    private readonly beforeFirst: () => Promise<void>,
  ) {}
  async run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    if (!this.done && this.target(argv)) {
      this.done = true;
      await this.beforeFirst();
    }
    return this.inner.run(argv, options);
  }
}

describe('faults: a namespace deleted in the middle of a collection', function () {
  this.timeout(60_000);
  let holder: ChildProcess | undefined;

  before(async function () {
    requireRoot(this);
    for (const name of [...KEEP, DOOMED]) assert.equal((await runner.run(['ip', 'netns', 'add', name])).failure, null);
    await runner.run(['ip', 'netns', 'exec', KEEP[0]!, 'iptables', '-t', 'nat', '-N', 'NXH-KEPT']);
  });
  after(async () => {
    holder?.kill('SIGKILL');
    for (const name of [...KEEP, DOOMED]) await runner.run(['ip', 'netns', 'del', name]);
  });

  const own = (s: Snapshot, name: string) => s.namespaces.find((n) => n.name === name);

  it('a named namespace deleted after discovery: its commands fail with a clear error, the others are read in full', async () => {
    const discovery = await discoverNamespaces();
    const doomedId = discovery.namespaces.find((n) => n.name === DOOMED)!.id;
    const deleting = new DeletingRunner(
      runner,
      (argv) => argv.includes(DOOMED) || argv.some((a) => a.endsWith(`/${DOOMED}`)),
      async () => {
        assert.equal((await runner.run(['ip', 'netns', 'del', DOOMED])).failure, null);
      },
    );
    // One read per namespace, so the deletion lands between two of them (batched.test.ts covers the batch).
    const s = await collectSnapshot(deleting, discovery, { concurrency: 1, batch: false });
    const errors = s.errors.filter((e) => e.namespace === doomedId);
    assert.ok(errors.length >= 1, JSON.stringify(s.errors));
    for (const e of errors)
      assert.match(e.message, /No such file or directory|Invalid argument/, `says why: ${e.message}`);
    assert.ok(
      errors.some((e) => e.message.includes(DOOMED)),
      'names the namespace',
    );
    assert.ok(own(s, DOOMED), 'the namespace stays listed with its errors, as it was at discovery');
    assert.deepEqual(own(s, DOOMED)!.interfaces, []);
    for (const name of KEEP) {
      const ns = own(s, name)!;
      assert.ok(
        ns.interfaces.some((i) => i.name === 'lo'),
        `${name} still read`,
      );
      assert.deepEqual(
        s.errors.filter((e) => e.namespace === ns.id),
        [],
        `${name} has no errors`,
      );
    }
    assert.ok(
      s.nat
        .filter(isIptablesSet)
        .some(
          (set) =>
            set.namespace === own(s, KEEP[0]!)!.id &&
            set.tables.some((t) => t.chains.some((c) => c.name === 'NXH-KEPT')),
        ),
    );
  });

  it('a namespace held only by a process that exits after discovery: a per-namespace error, the rest intact', async () => {
    holder = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' });
    const pid = holder.pid!;
    let discovery = await discoverNamespaces();
    for (
      let i = 0;
      i < 50 && !discovery.namespaces.some((n) => n.processes.some((p) => p.pid === pid && p.command === 'sleep'));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      discovery = await discoverNamespaces();
    }
    const target = discovery.namespaces.find((n) => n.processes.some((p) => p.pid === pid))!;
    assert.ok(target && target.kind === 'process', 'the process-only namespace was discovered');
    const path = `/proc/${pid}/ns/net`;
    const deleting = new DeletingRunner(
      runner,
      (argv) => argv.includes(`--net=${path}`),
      async () => {
        const exited = new Promise((r) => holder!.once('exit', r));
        holder!.kill('SIGKILL');
        await exited;
      },
    );
    const s = await collectSnapshot(
      deleting,
      { ...discovery, namespaces: discovery.namespaces.filter((n) => n.kind !== 'process' || n.id === target.id) },
      { concurrency: 1 },
    );
    const errors = s.errors.filter((e) => e.namespace === target.id);
    assert.ok(
      errors.length >= 1 && errors.every((e) => e.reason === 'failed' || e.reason === 'missing'),
      JSON.stringify(errors),
    );
    assert.ok(
      errors.some((e) => /nsenter/.test(e.command) && /No such file or directory/.test(e.message)),
      JSON.stringify(errors),
    );
    for (const name of KEEP)
      assert.ok(
        own(s, name)!.interfaces.some((i) => i.name === 'lo'),
        `${name} still read`,
      );
    assert.ok(s.namespaces.find((n) => n.kind === 'host')!.interfaces.length > 0, 'the host namespace still read');
  });
});
