// Incremental refresh on the lab: only new namespaces and the ones an event named are read again.
import { strict as assert } from 'node:assert';
import { SnapshotCollector } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';
import { requireRoot } from './helpers';

const EXTRA = `nxe-inc-${process.pid}`;

describe('incremental refresh (real namespaces)', function () {
  let lab: LabState;
  const tool = new ExecRunner();
  const seen: string[][] = [];
  const collector = new SnapshotCollector(new ExecRunner({ onCommand: (r) => seen.push(r.argv) }));

  before(async function () {
    requireRoot(this);
    lab = await labUp();
  });
  after(async () => {
    await tool.run(['ip', 'netns', 'del', EXTRA]);
    if (lab) await labDown();
  });

  it('reads only the new namespace and the one whose links changed, and still resolves the new veth pair', async () => {
    const first = await collector.full(await discoverNamespaces({ dockerDirs: [lab.dockerNetnsDir] }));
    const hostNs = lab.namespaces.find((n) => n.key === 'host')!;
    assert.ok(first.namespaces.length >= lab.namespaces.length);

    // A "container" appears: a new namespace, and a new veth in the lab host, plugged into its bridge.
    assert.equal((await tool.run(['ip', 'netns', 'add', EXTRA])).failure, null);
    const link = await tool.run([
      'ip',
      '-n',
      'nxl-host',
      'link',
      'add',
      'nxlv-inc',
      'master',
      'nxlbr0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      EXTRA,
    ]);
    assert.equal(link.failure, null, link.stderr);

    seen.length = 0;
    const second = await collector.incremental(
      await discoverNamespaces({ dockerDirs: [lab.dockerNetnsDir] }),
      new Set([hostNs.inode]),
    );
    const entered = new Set(
      seen.map((argv) => argv.find((a) => a === 'nxl-host' || a === EXTRA || a.startsWith('--net=')) ?? 'host'),
    );
    assert.deepEqual(
      [...entered].sort(),
      [EXTRA, 'nxl-host', `--net=/run/netns/${EXTRA}`, '--net=/run/netns/nxl-host'].sort(),
      `commands ran only in the two namespaces: ${seen.map((a) => a.join(' ')).join(' | ')}`,
    );

    const extra = second.namespaces.find((n) => n.name === EXTRA);
    assert.ok(extra, 'the new namespace is in the snapshot');
    assert.ok(
      second.vethPairs.some((p) => p.a.ifname === 'nxlv-inc' && p.b.namespace === extra.id),
      'its veth pair is resolved',
    );
    assert.ok(
      second.bridges.find((b) => b.name === 'nxlbr0')?.ports.includes('nxlv-inc'),
      'the bridge lists the new port',
    );
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    assert.deepEqual(
      second.namespaces
        .find((n) => n.id === web1.inode)
        ?.interfaces.map((i) => i.name)
        .sort(),
      ['eth0', 'lo'],
      'unchanged namespaces keep their data',
    );

    // And a namespace that goes away drops out without reading anything.
    assert.equal((await tool.run(['ip', 'netns', 'del', EXTRA])).failure, null);
    seen.length = 0;
    const third = await collector.incremental(
      await discoverNamespaces({ dockerDirs: [lab.dockerNetnsDir] }),
      new Set(),
    );
    assert.equal(seen.length, 0);
    assert.ok(!third.namespaces.some((n) => n.name === EXTRA));
  });
});
