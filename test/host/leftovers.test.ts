// A process killed right after applying a mapping: a fresh start finds what it left, by its comments, and removes
// exactly that.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import { EVERYTHING, ORPHANS_ONLY } from '../../src/core/mapping/cleanup';
import { findLeftovers, type NamespaceLeftovers } from '../../src/core/mapping/leftovers';
import type { Family } from '../../src/core/model';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { addMapping, cleanUpLeftovers, MappingError, type MappingTarget } from '../../src/host/portMapping/apply';
import { defaultLockDir } from '../../src/host/portMapping/lock';
import { resolveNamespace } from '../../src/core/namespaceRef';
import { ExecRunner } from '../../src/host/runner';
import { dockerRules } from '../lab/lab';
import { requireRoot, runCli, whichTool } from './helpers';

const HOST = `nxo-h${process.pid}`;
const CTR = `nxo-c${process.pid}`;
const VETH = `nxov${process.pid}`;
const runner = new ExecRunner({ timeoutMs: 15_000 });
const tool = (family: Family, what: 'save' | 'restore') => `${family === 'ipv4' ? 'iptables' : 'ip6tables'}-${what}`;

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const save = async (family: Family) => normalizeSave(await must(['ip', 'netns', 'exec', HOST, tool(family, 'save')]));
const restore = (family: Family, input: string) =>
  must(['ip', 'netns', 'exec', HOST, tool(family, 'restore'), '--noflush'], input);
/** A dump without any line of ours: our chains, the rules in them and the hooks into them. */
const withoutOurs = (text: string) =>
  text
    .split('\n')
    .filter((l) => !/NETNS-EXPLORER-|"netns-explorer: /.test(l))
    .join('\n');

/** Everything a fresh process knows: nothing but a new discovery and snapshot, like an extension host starting. */
async function freshLook(): Promise<{ target: MappingTarget; found: NamespaceLeftovers[] }> {
  const fresh = new ExecRunner({ timeoutMs: 15_000 });
  const discovery = await discoverNamespaces({ dockerDirs: [] });
  const ns = resolveNamespace(discovery.namespaces, HOST);
  assert.ok(typeof ns !== 'string', String(ns));
  const snapshot = await collectSnapshot(fresh, { ...discovery, namespaces: [ns] });
  const found = findLeftovers(snapshot)
    .filter((f) => f.namespace === ns.id)
    .sort((a, b) => a.family.localeCompare(b.family));
  return { target: { runner: fresh, namespace: ns }, found };
}

describe('leftovers of a process killed right after apply (needs root)', function () {
  this.timeout(120_000);
  const baseline: Partial<Record<Family, string>> = {};
  const dirs: string[] = [];

  before(async function () {
    requireRoot(this);
    await must(['ip', 'netns', 'add', HOST]);
    await must(['ip', 'netns', 'add', CTR]);
    await must(['ip', '-n', HOST, 'link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CTR]);
    await must(['ip', '-n', HOST, 'addr', 'add', '172.31.250.1/24', 'dev', VETH]);
    await must(['ip', '-n', HOST, 'addr', 'add', 'fd00:6e7a::1/64', 'dev', VETH, 'nodad']);
    await must(['ip', '-n', CTR, 'addr', 'add', '172.31.250.2/24', 'dev', 'eth0']);
    await must(['ip', '-n', CTR, 'addr', 'add', 'fd00:6e7a::2/64', 'dev', 'eth0', 'nodad']);
    for (const family of ['ipv4', 'ipv6'] as const) {
      // Docker 28's layout (DOCKER-USER included), plus a rule of the user's own.
      await restore(family, dockerRules(family));
      await restore(
        family,
        '*filter\n-A INPUT -p tcp -m tcp --dport 2222 -m comment --comment "my own rule" -j ACCEPT\nCOMMIT\n',
      );
      baseline[family] = await save(family);
    }
  });

  after(async () => {
    for (const ns of [HOST, CTR]) await runner.run(['ip', 'netns', 'del', ns]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' || !baseline.ipv4) return;
    for (const family of ['ipv4', 'ipv6'] as const)
      assert.equal(await save(family), baseline[family], `${family}: back to the baseline`);
  });

  it("map add killed (SIGKILL) right after iptables-restore; a fresh snapshot finds both mappings, removes them, and iptables-save is byte-identical to before; another tool's rules stay", async () => {
    // iptables-restore that does its job, then kills the process that ran it: the rules are in, nothing else happened.
    const dir = mkdtempSync(join(tmpdir(), 'nxo-path-'));
    dirs.push(dir);
    for (const family of ['ipv4', 'ipv6'] as const) {
      writeFileSync(
        join(dir, tool(family, 'restore')),
        `#!/bin/sh\n${whichTool(tool(family, 'restore'))} "$@"\nrc=$?\nkill -9 $PPID\nexit $rc\n`,
      );
      chmodSync(join(dir, tool(family, 'restore')), 0o755);
    }
    const env = { PATH: `${dir}:${process.env.PATH ?? ''}` };
    for (const [port, to] of [
      ['18080', '172.31.250.2:80'],
      ['18086', '[fd00:6e7a::2]:80'],
    ] as const) {
      const killed = await runCli(['map', 'add', '--in', HOST, '--host-port', port, '--to', to], env, 60_000);
      assert.notEqual(killed.failure, null, 'the CLI was killed');
      assert.doesNotMatch(killed.stdout, /added/, 'it never got to say it was done');
    }
    for (const family of ['ipv4', 'ipv6'] as const)
      assert.match(await save(family), /netns-explorer: hook/, `${family}: the rules landed`);
    const { target: first } = await freshLook();
    const lock = join(defaultLockDir(), `netns-${first.namespace.id}.lock`);
    assert.ok(existsSync(lock), 'the killed process left its lock behind');
    const deadPid = Number(readFileSync(lock, 'utf8'));

    // Another tool writes around our rules meanwhile: before our hook, after it, and in a chain we hook from.
    const foreign = {
      ipv4: '*nat\n-I PREROUTING 1 -p tcp -m tcp --dport 2020 -j DNAT --to-destination 172.31.250.2:20\n-A POSTROUTING -o nxo0 -j MASQUERADE\nCOMMIT\n*filter\n-A DOCKER-USER -s 10.66.0.0/16 -j DROP\nCOMMIT\n',
      ipv6: '*filter\n-I DOCKER-USER 1 -s fd00:66::/64 -j DROP\nCOMMIT\n',
    };
    const withForeign: Partial<Record<Family, string>> = {};
    for (const family of ['ipv4', 'ipv6'] as const) {
      await restore(family, foreign[family]);
      withForeign[family] = await save(family);
    }

    const { target, found } = await freshLook();
    assert.deepEqual(
      found.map((f) => [f.family, f.mappings.map((m) => [m.title, m.missing.length]), f.orphans.length]),
      [
        ['ipv4', [['tcp 0.0.0.0:18080 -> 172.31.250.2:80', 0]], 0],
        ['ipv6', [['tcp [::]:18086 -> [fd00:6e7a::2]:80', 0]], 0],
      ],
      'each mapping is found whole, by its comments; nothing is broken',
    );
    for (const f of found) {
      // As the extension does: a preview, then the apply, which plans again under the lock and must match it.
      const preview = await cleanUpLeftovers(target, f.family, EVERYTHING, { dryRun: true });
      assert.ok(preview);
      assert.ok(
        preview.plan.ops.every((o) => o.op === 'delete' || o.op === 'deleteChain'),
        'only deletions',
      );
      const done = await cleanUpLeftovers(target, f.family, EVERYTHING, { expected: preview.plan });
      assert.ok(done?.applied);
    }
    assert.ok(
      !existsSync(lock) || Number(readFileSync(lock, 'utf8')) !== deadPid,
      "the dead holder's lock was taken over",
    );
    for (const family of ['ipv4', 'ipv6'] as const) {
      const now = await save(family);
      assert.equal(
        now,
        withoutOurs(withForeign[family]!),
        `${family}: everything not ours is exactly as the other tool left it`,
      );
    }
    assert.deepEqual((await freshLook()).found, [], 'nothing of ours is left');
    // Take the other tool's rules away again: what remains is the dump from before the apply, byte for byte.
    await restore(
      'ipv4',
      '*nat\n-D PREROUTING -p tcp -m tcp --dport 2020 -j DNAT --to-destination 172.31.250.2:20\n-D POSTROUTING -o nxo0 -j MASQUERADE\nCOMMIT\n*filter\n-D DOCKER-USER -s 10.66.0.0/16 -j DROP\nCOMMIT\n',
    );
    await restore('ipv6', '*filter\n-D DOCKER-USER -s fd00:66::/64 -j DROP\nCOMMIT\n');
  });

  it('a hook another tool removed: only the orphaned chain goes, the mapping stays listed; "map clean --all" then removes the rest', async () => {
    const { target } = await freshLook();
    await addMapping(target, {
      family: 'ipv4',
      protocol: 'udp',
      hostIp: '172.31.250.1',
      hostPort: 15353,
      targetIp: '172.31.250.2',
      targetPort: 53,
    });
    // As when Docker recreates DOCKER-USER: our jump into NETNS-EXPLORER-FWD is gone, the chain stays.
    await restore(
      'ipv4',
      '*filter\n-D DOCKER-USER -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-FWD\nCOMMIT\n',
    );
    const { found } = await freshLook();
    assert.deepEqual(
      found.map((f) => f.orphans.map((o) => [o.kind, o.chain])),
      [[['unhooked-chain', 'NETNS-EXPLORER-FWD']]],
    );
    assert.deepEqual(found[0]!.mappings[0]!.missing, ['NETNS-EXPLORER-FWD is not reached']);

    const dry = await runCli(['map', 'clean', '--in', HOST, '--dry-run']);
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /would remove leftovers of Netns Explorer: 1 broken piece/);
    assert.match(dry.stdout, /filter: -X NETNS-EXPLORER-FWD/);
    const orphansOnly = await runCli(['map', 'clean', '--in', HOST]);
    assert.equal(orphansOnly.exitCode, 0, orphansOnly.stderr);
    const after = await freshLook();
    assert.deepEqual(
      after.found.map((f) => [f.mappings.length, f.orphans.length]),
      [[1, 0]],
      'the mapping the user made is not garbage',
    );
    assert.doesNotMatch(await save('ipv4'), /NETNS-EXPLORER-FWD/);

    const all = await runCli(['map', 'clean', '--in', HOST, '--all']);
    assert.equal(all.exitCode, 0, all.stderr);
    assert.match(all.stdout, /removed leftovers of Netns Explorer: 1 port mapping/);
    assert.match((await runCli(['map', 'clean', '--in', HOST])).stdout, /no broken leftovers of Netns Explorer found/);
  });

  it('a cleanup made stale by another tool after the preview is refused and changes nothing; a rule another tool put in our chain is kept', async () => {
    const { target } = await freshLook();
    await addMapping(target, {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18090,
      targetIp: '172.31.250.2',
      targetPort: 90,
    });
    const preview = await cleanUpLeftovers(target, 'ipv4', EVERYTHING, { dryRun: true });
    assert.ok(preview);
    await restore('ipv4', '*filter\n-A NETNS-EXPLORER-FWD -s 10.77.0.0/16 -j DROP\nCOMMIT\n');
    const changed = await save('ipv4');
    await assert.rejects(
      cleanUpLeftovers(target, 'ipv4', EVERYTHING, { expected: preview.plan }),
      (e: unknown) => e instanceof MappingError && e.kind === 'stale' && /changed after the preview/.test(e.message),
    );
    assert.equal(await save('ipv4'), changed, 'nothing was applied');

    const again = await cleanUpLeftovers(target, 'ipv4', EVERYTHING, {
      expected: (await cleanUpLeftovers(target, 'ipv4', EVERYTHING, { dryRun: true }))!.plan,
    });
    assert.ok(again?.applied);
    const kept = await save('ipv4');
    assert.match(
      kept,
      /-A NETNS-EXPLORER-FWD -s 10\.77\.0\.0\/16 -j DROP/,
      "the other tool's rule stays, in its chain",
    );
    assert.match(
      kept,
      /-A DOCKER-USER -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-FWD/,
      'and the jump that leads to it',
    );
    assert.doesNotMatch(kept, /--dport 18090|--dport 90 /, 'the mapping is gone');
    // Once the other tool takes its rule away, the chain is empty, an orphan, and goes with its hook.
    await restore('ipv4', '*filter\n-D NETNS-EXPLORER-FWD -s 10.77.0.0/16 -j DROP\nCOMMIT\n');
    const { found } = await freshLook();
    assert.deepEqual(
      found.map((f) => f.orphans.map((o) => o.kind)),
      [['empty-chain']],
    );
    assert.ok(await cleanUpLeftovers(target, 'ipv4', ORPHANS_ONLY));
  });
});
