// Trace Connection in the real extension host, on the lab: the verdict and steps in the Trace view, and the path
// highlighted in the topology.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { mappingKey } from '../../src/core/labels';
import { interfaceNodeId, namespaceNodeId } from '../../src/core/topology/ids';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import { labDown, labUp, type LabState } from '../lab/lab';

describe('Trace Connection on the lab', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  let lab: LabState;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    api = await ext.activate();
    await api.store.refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (lab) await labDown();
  });

  it('traces a published port from outside to nxl-web1, shows verdict and steps, and highlights the path in the topology', async () => {
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    await vscode.commands.executeCommand('netnsExplorer.showTopology');
    await vscode.commands.executeCommand('netnsExplorer.traceRequest', {
      source: { kind: 'outside', namespace: host.inode, iface: 'eth0' },
      dst: '198.18.0.1',
      dport: 8080,
      protocol: 'tcp',
    });

    const result = api.trace.current;
    assert.ok(result, 'the Trace view holds a result');
    assert.equal(result.verdict.kind, 'delivered', result.summary);
    assert.equal(result.verdict.kind === 'delivered' && result.verdict.namespace, web1.inode);
    assert.match(result.summary, /nxl-web1/);

    const roots = api.trace.getChildren();
    const verdictItem = api.trace.getTreeItem(roots[0]!);
    assert.equal(verdictItem.label, result.summary, 'the verdict is the first item');
    const steps = roots.slice(1).map((n) => {
      const item = api.trace.getTreeItem(n);
      return `${String(item.label).trim()} — ${String(item.description ?? '')}`;
    });
    assert.ok(
      steps.some((l) => /PREROUTING/.test(l)),
      `a nat PREROUTING step: ${steps.join(' | ')}`,
    );
    assert.ok(
      steps.some((l) => /172\.31\.240\.2:80/.test(l)),
      `a step names the new destination: ${steps.join(' | ')}`,
    );

    const path = api.tracedPath();
    assert.ok(path, 'the traced path is published');
    assert.deepEqual(path.namespaces.slice(0, 1), [host.inode]);
    assert.ok(path.namespaces.includes(web1.inode));
    const lit = api.topologyHighlight();
    assert.ok(lit.includes(namespaceNodeId(web1.inode)), `the topology highlights nxl-web1: ${lit.join(', ')}`);
    assert.ok(lit.includes(interfaceNodeId(web1.inode, 'eth0')), 'and the interface the packet enters by');
  });

  it("Why doesn't this work? on the 198.18.0.1:9090 mapping: no questions, the binding reason on the first line", async () => {
    const snapshot = api.store.snapshot!;
    const m = snapshot.portMappings.find((x) => x.hostIp === '198.18.0.1' && x.hostPort === 9090);
    assert.ok(m, 'the lab publishes 198.18.0.1:9090');
    await vscode.commands.executeCommand('netnsExplorer.whyNotWorking', {
      kind: 'mapping',
      ns: m.namespace,
      key: mappingKey(m),
    });
    const roots = api.trace.getChildren();
    const first = String(api.trace.getTreeItem(roots[0]!).label);
    assert.match(
      first,
      /^From .*\(on nxlbr0\) → 172\.31\.240\.1:9090: The mapping is bound to 198\.18\.0\.1, not 172\.31\.240\.1/,
    );
    // One row per place traced, each opening onto its own trace; the places that work are listed too.
    const places = roots.slice(1).map((n) => api.trace.getTreeItem(n));
    assert.ok(places.length >= 3, `outside, the host and a neighbour: ${places.map((p) => p.label).join(' | ')}`);
    assert.ok(places.some((p) => /^From outside via eth0/.test(String(p.label))));
    assert.ok(api.trace.getChildren(roots[1]).length > 0, 'a place opens onto its steps');
  });
});
