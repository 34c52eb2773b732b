// The batched snapshot (`ip -all netns exec`) against the per-namespace one, on real namespaces.
import { strict as assert } from 'node:assert';
import { SnapshotCollector } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner } from '../../src/host/runner';
import type { Snapshot } from '../../src/core/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingRunner, ReplayRunner } from '../../src/host/recording';
import { CLI, requireRoot } from './helpers';
import { isIptablesSet } from '../../src/core/rules/iptables';

const PREFIX = 'nxe-bat-';
const HOST = `${PREFIX}host`;
const COUNT = 20;
const container = (i: number): string => `${PREFIX}c${i}`;

async function must(runner: ExecRunner, argv: string[], input?: string): Promise<void> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
}

async function removeAll(runner: ExecRunner): Promise<void> {
  const list = await runner.run(['ip', 'netns', 'list']);
  const names = list.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
  for (const n of names) await runner.run(['ip', 'netns', 'del', n]);
}

/** Our namespaces only (other tests' namespaces may come and go), without the fields that name the command. */
function ours(s: Snapshot): unknown {
  const ids = new Set<string>(s.namespaces.filter((n) => n.name?.startsWith(PREFIX) === true).map((n) => n.id));
  const strip = (v: unknown): unknown =>
    JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'command' || k === 'takenAt' ? undefined : x)));
  return strip({
    namespaces: s.namespaces.filter((n) => ids.has(n.id)),
    vethPairs: s.vethPairs.filter((p) => ids.has(p.a.namespace) || ids.has(p.b.namespace)),
    bridges: s.bridges.filter((b) => ids.has(b.namespace)),
    ruleSets: s.nat.filter((r) => ids.has(r.namespace)),
    portMappings: s.portMappings.filter((m) => ids.has(m.namespace)),
    errors: s.errors.filter((e) => e.namespace !== null && ids.has(e.namespace)),
  });
}

describe('batched snapshot with ip -all netns exec (real namespaces)', function () {
  const tool = new ExecRunner({ timeoutMs: 60_000 });
  const argvs: string[][] = [];
  const runner = new ExecRunner({ onCommand: (r) => argvs.push(r.argv) });

  before(async function () {
    requireRoot(this);
    await removeAll(tool);
    await must(
      tool,
      ['ip', '-batch', '-'],
      [HOST, ...Array.from({ length: COUNT }, (_, i) => container(i))].map((n) => `netns add ${n}`).join('\n') + '\n',
    );
    const links = [
      'link add nxebr0 type bridge',
      'addr add 10.91.0.1/16 dev nxebr0',
      'link set nxebr0 up',
      'link set lo up',
    ];
    for (let i = 0; i < COUNT; i++)
      links.push(
        `link add nxebv${i} master nxebr0 type veth peer name eth0 netns ${container(i)}`,
        `link set nxebv${i} up`,
      );
    await must(tool, ['ip', '-n', HOST, '-batch', '-'], links.join('\n') + '\n');
    for (let i = 0; i < COUNT; i++) {
      await must(
        tool,
        ['ip', '-n', container(i), '-batch', '-'],
        ['link set lo up', 'link set eth0 up', `addr add 10.91.0.${i + 2}/16 dev eth0`].join('\n') + '\n',
      );
    }
    const nat = ['*nat', ':DOCKER - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'];
    for (let i = 0; i < COUNT; i++)
      nat.push(
        `-A DOCKER ! -i nxebr0 -p tcp -m tcp --dport ${21000 + i} -m comment --comment "web \\"${i}\\" <b>" -j DNAT --to-destination 10.91.0.${i + 2}:80`,
      );
    await must(
      tool,
      ['nsenter', `--net=/run/netns/${HOST}`, '--', 'iptables-restore', '--noflush', '-w'],
      [...nat, 'COMMIT', ''].join('\n'),
    );
    // One container with IPv6 rules of its own, one with IPv4 filter rules.
    await must(tool, [
      'nsenter',
      `--net=/run/netns/${container(3)}`,
      '--',
      'ip6tables',
      '-w',
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      '22',
      '-j',
      'DROP',
    ]);
    await must(tool, [
      'nsenter',
      `--net=/run/netns/${container(4)}`,
      '--',
      'iptables',
      '-w',
      '-A',
      'OUTPUT',
      '-d',
      '10.91.0.9',
      '-j',
      'REJECT',
    ]);
  });
  after(async () => {
    await removeAll(tool);
  });

  async function both(): Promise<{ batched: Snapshot; single: Snapshot; batchedArgv: string[][] }> {
    // New links settle for a moment (IPv6 link-local addresses and their routes come after DAD):
    // wait until two reads in a row agree, so the comparison below sees one state of the kernel.
    let previous = JSON.stringify(
      ours(await new SnapshotCollector(runner, { batch: false }).full(await discoverNamespaces())),
    );
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = JSON.stringify(
        ours(await new SnapshotCollector(runner, { batch: false }).full(await discoverNamespaces())),
      );
      if (now === previous) break;
      previous = now;
    }
    argvs.length = 0;
    const batched = await new SnapshotCollector(runner).full(await discoverNamespaces());
    const batchedArgv = [...argvs];
    const single = await new SnapshotCollector(runner, { batch: false }).full(await discoverNamespaces());
    return { batched, single, batchedArgv };
  }

  it('gives the same model as one read per namespace, with three processes instead of three per namespace', async () => {
    const { batched, single, batchedArgv } = await both();
    assert.deepEqual(ours(batched), ours(single));
    const joined = batchedArgv.map((a) => a.join(' '));
    assert.ok(joined.includes('ip -all netns exec iptables-save -c'), joined.join('\n'));
    assert.ok(joined.includes('ip -all netns exec ip6tables-save -c'));
    assert.ok(joined.some((a) => a.startsWith('ip -all netns exec ip -j -d -batch ')));
    const perNamespace = joined.filter((a) => a.includes(PREFIX));
    assert.deepEqual(perNamespace, [], 'none of our namespaces was read on its own');
    // And the content made it: the host's 20 mappings, the container's IPv6 and IPv4 rules.
    const snap = batched;
    const hostNs = snap.namespaces.find((n) => n.name === HOST)!;
    assert.equal(snap.portMappings.filter((m) => m.namespace === hostNs.id).length, COUNT);
    const c3 = snap.namespaces.find((n) => n.name === container(3))!;
    assert.ok(
      snap.nat.some(
        (r) =>
          r.namespace === c3.id &&
          r.family === 'ipv6' &&
          r.tables.some((t) => t.chains.some((c) => c.rules.some((x) => x.text.includes('--dport 22')))),
      ),
    );
    assert.equal(
      snap.vethPairs.filter((p) => p.a.namespace === hostNs.id || p.b.namespace === hostNs.id).length,
      COUNT,
    );
  });

  it('a namespace deleted between discovery and the batch is read on its own and reported, the rest stay batched', async () => {
    const doomed = container(COUNT - 1);
    const discovery = await discoverNamespaces();
    const doomedId = discovery.namespaces.find((n) => n.name === doomed)!.id;
    await must(tool, ['ip', 'netns', 'del', doomed]);
    argvs.length = 0;
    const s = await new SnapshotCollector(runner).full(discovery);
    const joined = argvs.map((a) => a.join(' '));
    assert.ok(joined.includes('ip -all netns exec iptables-save -c'), 'the batch ran');
    assert.ok(
      joined.some((a) => a.includes(doomed)),
      'the missing one was tried on its own',
    );
    assert.deepEqual(
      joined.filter((a) => a.includes(PREFIX) && !a.includes(doomed)),
      [],
      'no other namespace was read on its own',
    );
    const errors = s.errors.filter((e) => e.namespace === doomedId);
    assert.ok(errors.length >= 1 && errors.every((e) => e.message.includes(doomed)), JSON.stringify(errors));
    assert.equal(
      s.portMappings.filter((m) => m.namespace === s.namespaces.find((n) => n.name === HOST)!.id).length,
      COUNT,
    );
  });

  it('is not used while /run/netns holds a stale entry (iproute2 6.1 would fork a second walker for it)', async () => {
    const stale = `/run/netns/${PREFIX}stale`;
    writeFileSync(stale, ''); // what a crash between `ip netns add`'s create and mount leaves behind
    try {
      const { batched, single, batchedArgv } = await both();
      assert.deepEqual(ours(batched), ours(single));
      assert.deepEqual(
        batchedArgv.filter((a) => a.includes('-all')),
        [],
        'no ip -all netns exec ran',
      );
    } finally {
      rmSync(stale, { force: true });
    }
  });

  it('is not used without root: a user without privileges gets per-namespace errors and no process storm', async () => {
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const r = await tool.run([...nobody, process.execPath, CLI, 'snapshot', '--json', '--privilege', 'none'], {
      timeoutMs: 120_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Snapshot;
    const c0 = s.namespaces.find((n) => n.name === container(0))!;
    assert.ok(
      s.errors.some((e) => e.namespace === c0.id && e.reason === 'permission'),
      'entering a namespace is refused, and said so',
    );
    const left = await tool.run(['pgrep', '-u', '65534', '-f', 'netns exec']);
    assert.equal(left.stdout.trim(), '', 'no ip netns exec process of that user is left');
  });

  it('is not used as root without CAP_SYS_ADMIN: every switch would fail', async () => {
    // Root with sys_admin dropped from the bounding set, like a root dev container: uid 0, no CAP_SYS_ADMIN after exec.
    const noSysAdmin = ['setpriv', '--bounding-set=-sys_admin', '--inh-caps=-sys_admin'];
    const r = await tool.run([...noSysAdmin, process.execPath, CLI, 'snapshot', '--json', '--privilege', 'none'], {
      timeoutMs: 120_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Snapshot;
    const c0 = s.namespaces.find((n) => n.name === container(0))!;
    assert.ok(
      s.errors.some((e) => e.namespace === c0.id && /ip -n|nsenter/.test(e.command)),
      'the namespace was read on its own, and failed',
    );
    assert.ok(!s.errors.some((e) => e.command.includes('-all')), 'no batch was tried');
    const left = await tool.run(['pgrep', '-f', 'ip -all netns exec']);
    assert.equal(left.stdout.trim(), '', 'no walker is left');
  });

  it('a batched recording replays to the same snapshot, even after the host changed', async () => {
    await both(); // let the links settle
    const dir = mkdtempSync(join(tmpdir(), 'nxe-bat-rec-'));
    const extra = `${PREFIX}late`;
    try {
      const recording = new RecordingRunner(runner);
      const discovery = await discoverNamespaces();
      const recorded = await new SnapshotCollector(recording).full(discovery);
      recording.save(dir, discovery, recorded);
      // The host moves on: a namespace appears, so /run/netns no longer matches the recording.
      await must(tool, ['ip', 'netns', 'add', extra]);
      const replay = new ReplayRunner(dir);
      const env = replay.batchEnvironment();
      assert.equal(env.root, true, 'the recording holds the batch');
      const replayed = await new SnapshotCollector(replay, { batchEnvironment: env }).full(replay.discovery);
      assert.deepEqual(ours(replayed), ours(recorded));
      assert.deepEqual(replayed.errors, [], 'nothing was asked of the replay that was not recorded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await tool.run(['ip', 'netns', 'del', extra]);
    }
  });

  it('falls back to one read per namespace when a rule comment forges a namespace header', async () => {
    // From inside a container with NET_ADMIN, a comment can hold newlines; iptables-save prints them raw.
    await must(tool, [
      'nsenter',
      `--net=/run/netns/${container(5)}`,
      '--',
      'iptables',
      '-w',
      '-A',
      'INPUT',
      '-m',
      'comment',
      '--comment',
      `x\n\nnetns: ${container(6)}\n-A FORGED`,
      '-j',
      'ACCEPT',
    ]);
    try {
      const { batched, single, batchedArgv } = await both();
      assert.deepEqual(ours(batched), ours(single), 'the forged header changed nothing');
      const joined = batchedArgv.map((a) => a.join(' '));
      assert.ok(joined.includes('ip -all netns exec iptables-save -c'), 'the batch was tried');
      assert.ok(
        joined.includes(`nsenter --net=/run/netns/${container(6)} -- iptables-save -c`),
        'then each namespace was read on its own',
      );
      const c6 = batched.namespaces.find((n) => n.name === container(6))!;
      assert.ok(
        !batched.nat
          .filter(isIptablesSet)
          .some(
            (r) =>
              r.namespace === c6.id &&
              r.tables.some((t) =>
                t.chains.some((c) => c.name === 'FORGED' || c.rules.some((x) => x.text.includes('FORGED'))),
              ),
          ),
        'nothing from the forged section was pinned on the other namespace',
      );
    } finally {
      await tool.run(['nsenter', `--net=/run/netns/${container(5)}`, '--', 'iptables', '-w', '-F', 'INPUT']);
    }
  });
});
