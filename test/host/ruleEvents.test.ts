// Rule events on real namespaces: `nft monitor` reports a rule added with iptables-nft and with nft in the namespace
// it was made in, not the tracing table's own changes; the poll keeps the followed namespaces' rules, reads the rest,
// and a read that finds nothing changed gives back the same snapshot.
import { strict as assert } from 'node:assert';
import type { Discovery } from '../../src/core/model';
import { namespacesToFollow } from '../../src/core/rules/follow';
import { SnapshotCollector } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { RuleEvents } from '../../src/host/ruleEvents';
import { ExecRunner } from '../../src/host/runner';
import { requireRoot } from './helpers';

const NFT_NS = `nxr-nft-${process.pid}`;
const LEGACY_NS = `nxr-legacy-${process.pid}`;

describe('rule events and the poll (real namespaces)', function () {
  this.timeout(60_000);
  const tool = new ExecRunner();
  const inNs = async (ns: string, ...argv: string[]) => {
    const r = await tool.run(['ip', 'netns', 'exec', ns, ...argv]);
    assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  };
  let discovery: Discovery;
  const idOf = (name: string) => discovery.namespaces.find((n) => n.name === name)!.id;
  const mine = async (): Promise<Discovery> => {
    const d = await discoverNamespaces({ dockerDirs: [] });
    return { ...d, namespaces: d.namespaces.filter((n) => n.name === NFT_NS || n.name === LEGACY_NS) };
  };

  before(async function () {
    requireRoot(this);
    for (const ns of [NFT_NS, LEGACY_NS]) assert.equal((await tool.run(['ip', 'netns', 'add', ns])).failure, null);
    await inNs(NFT_NS, 'iptables', '-t', 'nat', '-N', 'NXR');
    await inNs(NFT_NS, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-j', 'NXR');
    await inNs(
      LEGACY_NS,
      'iptables-legacy',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-p',
      'tcp',
      '--dport',
      '1',
      '-j',
      'ACCEPT',
    );
    discovery = await mine();
  });
  after(async () => {
    for (const ns of [NFT_NS, LEGACY_NS]) await tool.run(['ip', 'netns', 'del', ns]);
  });

  it('follows the namespaces holding nf_tables rules, not the legacy one; nft monitor names the namespace of each change', async () => {
    const collector = new SnapshotCollector(tool);
    const snapshot = await collector.full(discovery);
    const followed = namespacesToFollow(snapshot);
    assert.ok(followed.includes(idOf(NFT_NS)), 'the iptables-nft namespace is followed');
    assert.ok(!followed.includes(idOf(LEGACY_NS)), 'the legacy one is left to the poll');

    const changes: string[] = [];
    const events = new RuleEvents(
      (ns) => changes.push(ns),
      () => undefined,
    );
    try {
      events.follow(snapshot.namespaces.filter((n) => followed.includes(n.id)));
      assert.deepEqual([...events.followed], followed);
      // The monitor inside the namespace is not one of its processes (it would make it look shared, mode container).
      const seen = (await mine()).namespaces.find((n) => n.name === NFT_NS)!;
      assert.deepEqual(seen.processes, [], 'no process of ours is listed in the followed namespace');
      const waitFor = async (what: string) => {
        for (let i = 0; i < 100 && !changes.includes(idOf(NFT_NS)); i++) await new Promise((r) => setTimeout(r, 100));
        assert.ok(changes.includes(idOf(NFT_NS)), `${what} was reported`);
        changes.length = 0;
      };
      // The monitor starts listening a moment after it is spawned: a first change proves it listens.
      for (let i = 0; i < 50 && !changes.length; i++) {
        await inNs(NFT_NS, 'nft', 'add', 'table', 'inet', 'nxr-probe');
        await inNs(NFT_NS, 'nft', 'delete', 'table', 'inet', 'nxr-probe');
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor('the probe table');

      await inNs(
        NFT_NS,
        'iptables',
        '-t',
        'nat',
        '-A',
        'NXR',
        '-p',
        'tcp',
        '--dport',
        '7777',
        '-j',
        'DNAT',
        '--to-destination',
        '10.9.9.9:80',
      );
      await waitFor('iptables -A');
      await inNs(NFT_NS, 'nft', 'add', 'table', 'inet', 'nxr');
      await inNs(NFT_NS, 'nft', 'add', 'chain', 'inet', 'nxr', 'c');
      await waitFor('nft add chain');
      await inNs(NFT_NS, 'nft', 'add', 'rule', 'inet', 'nxr', 'c', 'tcp', 'dport', '1', 'accept');
      await waitFor('nft add rule');

      // The tracing table `trace --kernel` makes is not the user's change.
      await inNs(NFT_NS, 'nft', 'add', 'table', 'inet', 'netns-explorer-trace');
      await inNs(NFT_NS, 'nft', 'delete', 'table', 'inet', 'netns-explorer-trace');
      await new Promise((r) => setTimeout(r, 700));
      assert.deepEqual(changes, [], 'the tracing table raised no refresh');
    } finally {
      events.stop();
    }
    assert.deepEqual([...events.followed], []);
  });

  it('the poll keeps a followed namespace’s rules and reads the others; an unchanged read is the same snapshot', async () => {
    const collector = new SnapshotCollector(tool);
    const keep = new Set([idOf(NFT_NS)]);
    const first = await collector.full(discovery);
    const again = await collector.full(discovery, keep);
    assert.equal(again, first, 'nothing changed: the very same snapshot');

    await inNs(
      NFT_NS,
      'iptables',
      '-t',
      'nat',
      '-A',
      'NXR',
      '-p',
      'tcp',
      '--dport',
      '7778',
      '-j',
      'DNAT',
      '--to-destination',
      '10.9.9.9:80',
    );
    await inNs(
      LEGACY_NS,
      'iptables-legacy',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-p',
      'tcp',
      '--dport',
      '2',
      '-j',
      'ACCEPT',
    );
    const has = (s: typeof first, ns: string, text: string) =>
      s.nat.some(
        (set) =>
          set.namespace === idOf(ns) &&
          'tables' in set &&
          set.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.text.includes(text)))),
      );
    const polled = await collector.full(discovery, keep);
    assert.notEqual(polled, first);
    assert.ok(!has(polled, NFT_NS, '7778'), 'the followed namespace was not dumped: its event brings the change');
    assert.ok(has(polled, LEGACY_NS, '--dport 2'), 'the legacy namespace was read');
    const evented = await collector.incremental(discovery, keep);
    assert.ok(has(evented, NFT_NS, '7778'), 'the event’s read has it');
  });
});
