// One search: the same matching in every view (and sent to the topology), on the replayed lab recording.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { mappingMatches, namespaceMatches } from '../../src/core/search';
import { NO_FILTER } from '../../src/extension/tree/filter';
import type { TreeNode } from '../../src/extension/tree/nodes';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { bridgesView } from '../../src/extension/tree/views/bridgesView';
import { namespacesView } from '../../src/extension/tree/views/namespacesView';
import { natView } from '../../src/extension/tree/views/natView';
import { vethsView } from '../../src/extension/tree/views/vethsView';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

const FIXTURES = join(__dirname, '../../../test/fixtures');

describe('one search across the views', () => {
  let snapshot: Snapshot;
  let idx: SnapshotIndex;
  before(async () => {
    const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
    snapshot = await collectSnapshot(replay, replay.discovery);
    idx = new SnapshotIndex(snapshot);
  });
  const filter = (search: string) => ({ ...NO_FILTER, search });
  const labels = (nodes: TreeNode[]) =>
    nodes.map((n) => ('ns' in n && typeof n.ns === 'string' ? idx.label(n.ns) : n.kind));

  it('a namespace matches by a port published to it, as well as by name, process and address', () => {
    const web1 = snapshot.namespaces.find((n) => n.name === 'nxl-web1')!;
    assert.ok(namespaceMatches(web1, '8080', snapshot), 'the host port published to it');
    assert.ok(namespaceMatches(web1, '172.31.240.2', snapshot));
    assert.ok(!namespaceMatches(web1, '9090', snapshot), "web2's port is not web1's");
    const m = snapshot.portMappings.find((x) => x.hostPort === 9090)!;
    assert.ok(
      mappingMatches(m, 'nxl-web2', (id) => idx.label(id)),
      'a mapping matches by its target',
    );
    assert.ok(!mappingMatches(m, 'nxl-web1', (id) => idx.label(id)));
  });

  it('one search narrows every view the same way', () => {
    const search = filter('nxl-web2');
    assert.deepEqual(labels(namespacesView.roots(idx, search)), ['nxl-web2']);
    assert.ok(bridgesView.roots(idx, search).length === 1, 'the bridge nxl-web2 is plugged into');
    assert.ok(
      vethsView.roots(idx, search).length >= 1 &&
        vethsView.roots(idx, search).length < vethsView.roots(idx, NO_FILTER).length,
    );
    const nat = natView(() => 500);
    const roots = nat.roots(idx, search);
    assert.equal(roots[0]?.kind, 'mappings');
    const groups = nat.children(roots[0]!, idx, search);
    const shown = groups.flatMap((g) => nat.children(g, idx, search));
    assert.ok(shown.length > 0, 'the mappings to nxl-web2');
    for (const node of shown) {
      const m = node.kind === 'mapping' ? idx.mapping(node.ns, node.key) : undefined;
      assert.equal(m && m.targetNamespace && idx.label(m.targetNamespace), 'nxl-web2');
    }
    assert.ok(
      shown.length <
        nat.children(nat.roots(idx, NO_FILTER)[0]!, idx, NO_FILTER).flatMap((g) => nat.children(g, idx, NO_FILTER))
          .length,
    );
    assert.deepEqual(nat.roots(idx, filter('no such thing')), [], 'nothing matches: an empty view');
  });
});
