// The Namespaces view grouped by runtime, then Compose project, when a runtime names containers; flat otherwise.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { linkRuntime, type RuntimeContainer } from '../../src/core/runtime';
import { NO_FILTER } from '../../src/extension/tree/filter';
import type { TreeNode } from '../../src/extension/tree/nodes';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { namespacesView } from '../../src/extension/tree/views/namespacesView';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

const FIXTURES = join(__dirname, '../../../test/fixtures');

function container(name: string, namespace: string, extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    runtime: 'docker',
    id: `${name}`.padEnd(64, '0'),
    name,
    image: null,
    networkMode: 'bridge',
    networks: [],
    project: null,
    service: null,
    lab: null,
    pod: null,
    podNamespace: null,
    namespace,
    ...extra,
  };
}

describe('Namespaces view grouped by runtime and project', () => {
  let snapshot: Snapshot;
  before(async () => {
    const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
    snapshot = await collectSnapshot(replay, replay.discovery);
  });

  const label = (idx: SnapshotIndex, n: TreeNode) =>
    n.kind === 'nsGroup' ? `[${n.path}]` : n.kind === 'namespace' ? idx.label(n.ns) : n.kind;

  it('is a flat list when no runtime names a container', () => {
    const idx = new SnapshotIndex(snapshot);
    const roots = namespacesView.roots(idx, NO_FILTER);
    assert.ok(roots.every((n) => n.kind === 'namespace'));
    assert.equal(roots.length, snapshot.namespaces.length);
  });

  it('groups containers under their runtime and Compose project; the rest stay flat after them', () => {
    const web1 = snapshot.namespaces.find((n) => n.name === 'nxl-web1')!;
    const web2 = snapshot.namespaces.find((n) => n.name === 'nxl-web2')!;
    const linked = linkRuntime(snapshot, {
      containers: [container('redis', web1.id), container('api', web2.id, { project: 'shop', service: 'api' })],
      networks: [],
      runtimes: [],
    });
    const idx = new SnapshotIndex(linked);
    const roots = namespacesView.roots(idx, NO_FILTER);
    // The host namespace first (when there is one), then the runtime's group, then the namespaces no container owns.
    const labels = roots.map((n) => label(idx, n));
    const hosts = snapshot.namespaces.filter((n) => n.kind === 'host').length;
    assert.equal(labels.indexOf('[docker]'), hosts, labels.join(' | '));
    assert.ok(!roots.some((n) => n.kind === 'namespace' && (n.ns === web1.id || n.ns === web2.id)));
    const docker = namespacesView.children(roots[hosts]!, idx, NO_FILTER);
    assert.deepEqual(
      docker.map((n) => label(idx, n)),
      ['[docker/compose:shop]', 'redis'],
    );
    assert.deepEqual(
      namespacesView.children(docker[0]!, idx, NO_FILTER).map((n) => label(idx, n)),
      ['api'],
    );
    // A revealed namespace knows its group (the topology and the trace reveal rows).
    assert.deepEqual(namespacesView.parent({ kind: 'namespace', ns: web2.id }, idx), {
      kind: 'nsGroup',
      path: 'docker/compose:shop',
    });
    // A search keeps the groups that hold a match, and only what matches in them.
    const search = { ...NO_FILTER, search: 'redis' };
    const group = namespacesView.roots(idx, search).find((n) => n.kind === 'nsGroup');
    assert.ok(group);
    assert.deepEqual(
      namespacesView.children(group, idx, search).map((n) => label(idx, n)),
      ['redis'],
    );
  });
});
