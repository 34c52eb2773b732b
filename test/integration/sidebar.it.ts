// The sidebar inside a real VS Code extension host, against the real-kernel lab: views, tooltips, commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { label, walk } from './treeWalk';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { NetnsTreeProvider } from '../../src/extension/tree/provider';
import type { TreeNode } from '../../src/extension/tree/nodes';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';

const HOSTILE = 'nxl-<img src=x onerror=alert(1)>*b*_[l](command:workbench.action.terminal.new)';

/** What the Markdown shows once rendered: backslash escapes of punctuation removed. */
function rendered(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** The label the extension gives a lab namespace: its name, or its first process. */
function labLabel(n: LabState['namespaces'][number]): string {
  return n.name ?? `${n.processes[0]!.command} (pid ${n.processes[0]!.pid})`;
}

function tooltipText(provider: NetnsTreeProvider, node: TreeNode): string {
  const item = provider.resolveTreeItem(provider.getTreeItem(node), node);
  const tip = item.tooltip;
  assert.ok(tip instanceof vscode.MarkdownString, 'tooltip is Markdown');
  assert.equal(tip.isTrusted, false, 'tooltips are not trusted for command links');
  assert.notEqual(tip.supportHtml, true, 'tooltips render no HTML');
  return tip.value;
}

describe('sidebar explorer on the lab', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  let lab: LabState;
  const runner = new ExecRunner();

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    const add = await runner.run(['ip', 'netns', 'add', HOSTILE]);
    assert.equal(add.failure, null, add.stderr);
    await vscode.workspace
      .getConfiguration('netnsExplorer')
      .update('dockerNetnsDirs', ['/var/run/docker/netns', lab.dockerNetnsDir], vscode.ConfigurationTarget.Global);
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    api = await ext.activate();
    assert.ok(api, 'activate() returns the API on Linux');
    await vscode.commands.executeCommand('workbench.view.extension.netnsExplorer');
    await api.store.refresh();
  });

  after(async () => {
    await runner.run(['ip', 'netns', 'del', HOSTILE]);
    if (lab) await labDown();
  });

  it('Namespaces: host first, then every lab namespace with its mode and kind', async () => {
    const roots = api.providers.namespaces.getChildren();
    const items = roots.map((n) => api.providers.namespaces.getTreeItem(n));
    assert.equal(label(items[0]!), 'host');
    assert.match(String(items[0]!.description), /^host · host/);
    for (const ns of lab.namespaces) {
      const want = ns.name ?? ns.processes[0]!.command;
      const found = items.find((i) => label(i).startsWith(want));
      assert.ok(found, `namespace ${ns.key} (${want}) is listed`);
      assert.match(
        String(found.description),
        new RegExp(`^${ns.mode} · ${ns.kind}`),
        `${ns.key}: ${found.description}`,
      );
      assert.equal(found.id, `ns:${ns.inode}`, 'ids are the namespace inode: stable across refreshes');
    }
  });

  it('Namespaces: interfaces show addresses and veth peers; routes below', async () => {
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    const children = api.providers.namespaces.getChildren({ kind: 'namespace', ns: web1.inode });
    const items = children.map((c) => api.providers.namespaces.getTreeItem(c));
    const eth0 = items.find((i) => label(i) === 'eth0');
    assert.ok(eth0);
    assert.match(String(eth0.description), /172\.31\.240\.2\/24 fd00:6e78::2\/64 · ⇄ nxlv-web1 \(nxl-host\)/);
    assert.ok(
      items.some((i) => label(i) === 'Routes'),
      'a Routes group follows the interfaces',
    );
    const routes = api.providers.namespaces
      .getChildren({ kind: 'routes', ns: web1.inode })
      .map((c) => label(api.providers.namespaces.getTreeItem(c)));
    assert.ok(routes.includes('default via 172.31.240.1'), routes.join(', '));
  });

  it('Bridges: the lab bridge with exactly its ports, each leading to its container', async () => {
    const all = await walk(api.providers.bridges);
    const bridge = all.find((x) => x.node.kind === 'bridge' && label(x.item) === 'nxlbr0');
    assert.ok(bridge);
    assert.match(String(bridge.item.description), /nxl-host · 172\.31\.240\.1\/24/);
    const ports = all.filter((x) => x.node.kind === 'bridgePort' && x.node.bridge === 'nxlbr0');
    assert.deepEqual(ports.map((p) => label(p.item)).sort(), lab.bridges[0]!.ports);
    const web1Port = ports.find((p) => label(p.item) === 'nxlv-web1')!;
    assert.match(String(web1Port.item.description), /→ eth0 · nxl-web1 \(172\.31\.240\.2\/24/);
  });

  it('Veth pairs: one item per pair, host end first', async () => {
    const labels = (await walk(api.providers.veths)).map((x) => label(x.item));
    for (const p of lab.vethPairs) {
      const a = lab.namespaces.find((n) => n.key === p.a.ns)!;
      const b = lab.namespaces.find((n) => n.key === p.b.ns)!;
      const want = `${p.a.ifname} (${labLabel(a)}) ⇄ ${p.b.ifname} (${labLabel(b)})`;
      const reversed = `${p.b.ifname} (${labLabel(b)}) ⇄ ${p.a.ifname} (${labLabel(a)})`;
      assert.ok(
        labels.includes(want) || (p.a.ns === 'p2pa' && labels.includes(reversed)),
        `pair ${want} in ${labels.join(' | ')}`,
      );
    }
  });

  it('NAT: port mappings first, grouped by namespace, each with its target container', async () => {
    const roots = api.providers.nat.getChildren();
    assert.equal(roots[0]?.kind, 'mappings');
    const all = await walk(api.providers.nat, roots[0]);
    const groups = all.filter((x) => x.node.kind === 'mappingGroup').map((x) => label(x.item));
    assert.ok(groups.includes('nxl-host'));
    const mappings = all.filter((x) => x.node.kind === 'mapping').map((x) => label(x.item));
    for (const want of [
      '0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)',
      '198.18.0.1:9090/tcp → 172.31.240.3:80 (nxl-web2)',
      '0.0.0.0:5353/udp → 172.31.240.3:53 (nxl-web2)',
      '0.0.0.0:30000-30010/tcp → 172.31.240.4:30000-30010 (nxl-pod)',
      '0.0.0.0:8082/tcp → 172.31.240.6:80 (0123456789ab)',
      '[::]:8080/tcp → [fd00:6e78::2]:80 (nxl-web1)',
    ])
      assert.ok(mappings.includes(want), `${want} in ${mappings.join(' | ')}`);
    assert.ok(
      mappings.some((m) => /^0\.0\.0\.0:8081\/tcp → 172\.31\.240\.5:80 \(node \(pid \d+\)\)$/.test(m)),
      'the process-only namespace is labelled by its process',
    );
  });

  it("NAT: the full rule set as table → chain → rule, and a DNAT rule's tooltip explains it", async () => {
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const set = { ns: host.inode, family: 'ipv4' as const, source: 'iptables-save' };
    const tables = api.providers.nat
      .getChildren({ kind: 'ruleSet', set })
      .map((t) => (t.kind === 'table' ? t.table : ''));
    assert.deepEqual([...tables].sort(), ['filter', 'nat', 'raw']);
    const rules = api.providers.nat.getChildren({ kind: 'chain', set, table: 'nat', chain: 'DOCKER' });
    const dnat = rules.find((r) => label(api.providers.nat.getTreeItem(r)).includes('--dport 8080 -j DNAT'));
    assert.ok(dnat, 'the 8080 DNAT rule is an item');
    const tip = rendered(tooltipText(api.providers.nat, dnat));
    assert.match(
      tip,
      /```iptables\n-A DOCKER ! -i nxlbr0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.31\.240\.2:80\n```/,
      'the raw rule in a code block',
    );
    assert.match(
      tip,
      /TCP to any local address, port 8080, arriving on any interface except nxlbr0, is rewritten to 172\.31\.240\.2:80 \(container nxl-web1\)/,
    );
    assert.match(tip, /nxl-web1/, 'names the container that owns the address');
    assert.match(tip, /PREROUTING → DOCKER/, 'the chain path from the hook');
    assert.match(tip, /\d+ packets, \d+ bytes/, 'the counters');
    assert.match(tip, /[Dd]ocker/, 'who owns the chain');
  });

  it('Namespaces, interfaces, bridges and veths have tooltips with the details an engineer looks up', async () => {
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    const nsTip = rendered(tooltipText(api.providers.namespaces, { kind: 'namespace', ns: web1.inode }));
    assert.match(nsTip, /Mode.*bridge/);
    for (const p of web1.processes) assert.ok(nsTip.includes(String(p.pid)), `PID ${p.pid} in the tooltip`);
    const ifTip = tooltipText(api.providers.namespaces, { kind: 'interface', ns: web1.inode, ifname: 'eth0' });
    for (const part of ['MAC', 'MTU', 'State', 'Peer']) assert.match(ifTip, new RegExp(part));
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const brTip = tooltipText(api.providers.bridges, { kind: 'bridge', ns: host.inode, name: 'nxlbr0' });
    assert.match(brTip, /Ports/);
  });

  it('a namespace named with Markdown and HTML shows literally, and its tooltip cannot run anything', async () => {
    const roots = api.providers.namespaces.getChildren();
    const node = roots.find((n) => label(api.providers.namespaces.getTreeItem(n)) === HOSTILE);
    assert.ok(node, 'the hostile name is the label, character for character');
    const tip = tooltipText(api.providers.namespaces, node);
    assert.ok(!/(^|[^\\])</.test(tip), 'every < is escaped: no HTML tag can form');
    assert.ok(!/(^|[^\\])\[/.test(tip), 'every [ is escaped: no Markdown link can form');
    assert.ok(rendered(tip).includes(HOSTILE), 'rendered, the name reads exactly as it is');
  });

  it('Copy Name, Copy Address and Copy Rule Text put the right text on the clipboard', async () => {
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    await vscode.commands.executeCommand('netnsExplorer.copyName', {
      kind: 'interface',
      ns: web1.inode,
      ifname: 'eth0',
    });
    assert.equal(await vscode.env.clipboard.readText(), 'eth0');
    await vscode.commands.executeCommand('netnsExplorer.copyAddress', {
      kind: 'interface',
      ns: web1.inode,
      ifname: 'eth0',
    });
    assert.equal(await vscode.env.clipboard.readText(), '172.31.240.2\nfd00:6e78::2');
    const mappingNode = (await walk(api.providers.nat)).find(
      (x) => x.node.kind === 'mapping' && label(x.item).startsWith('0.0.0.0:8080/tcp'),
    )!.node;
    await vscode.commands.executeCommand('netnsExplorer.copyRule', mappingNode);
    assert.match(
      await vscode.env.clipboard.readText(),
      /^-A DOCKER .*--dport 8080 -j DNAT --to-destination 172\.31\.240\.2:80$/,
    );
  });

  it('Go to Peer reveals the other end of a veth in the Namespaces view', async () => {
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    const target = await vscode.commands.executeCommand<TreeNode>('netnsExplorer.goToPeer', {
      kind: 'bridgePort',
      ns: host.inode,
      bridge: 'nxlbr0',
      ifname: 'nxlv-web1',
    });
    assert.deepEqual(target, { kind: 'interface', ns: web1.inode, ifname: 'eth0' });
    const selected = api.views.namespaces.selection[0];
    assert.deepEqual(selected, target, 'the peer is selected in the Namespaces view');
  });

  it('Filter hides loopback and down interfaces, and searches by address', async () => {
    const none = lab.namespaces.find((n) => n.key === 'none')!;
    await vscode.commands.executeCommand('netnsExplorer.filter', { hideLoopback: true });
    assert.deepEqual(
      api.providers.namespaces.getChildren({ kind: 'namespace', ns: none.inode }).filter((c) => c.kind === 'interface'),
      [],
    );
    await vscode.commands.executeCommand('netnsExplorer.filter', { hideLoopback: false, search: '172.31.240.3' });
    const labels = api.providers.namespaces.getChildren().map((n) => label(api.providers.namespaces.getTreeItem(n)));
    assert.deepEqual(labels, ['nxl-web2']);
    await vscode.commands.executeCommand('netnsExplorer.clearFilter');
    assert.ok(api.providers.namespaces.getChildren().length > 5);
  });

  it('Open NAT Rules as Text: a read-only iptables-save document whose rule lines explain themselves on hover', async () => {
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('netnsExplorer.openNatRules', {
      kind: 'ruleSet',
      set: { ns: host.inode, family: 'ipv4', source: 'iptables-save' },
    });
    assert.ok(editor);
    const doc = editor.document;
    assert.equal(doc.uri.scheme, 'netns-explorer-nat');
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('--dport 8080 -j DNAT'));
    assert.ok(line > 0);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(line, 5),
    );
    const text = rendered(
      hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n'),
    );
    assert.match(text, /172\.31\.240\.2:80/);
    assert.match(text, /nxl-web1/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('ids stay stable across a refresh, so the tree updates in place', async () => {
    const before = (await walk(api.providers.namespaces, undefined, 1)).map((x) => x.item.id).sort();
    await api.store.refresh();
    const after = (await walk(api.providers.namespaces, undefined, 1)).map((x) => x.item.id).sort();
    assert.deepEqual(after, before);
  });

  it('stopping the lab and refreshing removes its items without reloading the window', async () => {
    await labDown();
    await api.store.refresh();
    const labels = api.providers.namespaces.getChildren().map((n) => label(api.providers.namespaces.getTreeItem(n)));
    assert.ok(!labels.some((l) => l.startsWith('nxl-') && l !== HOSTILE), labels.join(', '));
    assert.ok(!api.providers.bridges.getChildren().some((n) => n.kind === 'bridge' && n.name === 'nxlbr0'));
    const mappings = (await walk(api.providers.nat)).filter((x) => x.node.kind === 'mapping');
    assert.ok(!mappings.some((m) => label(m.item).includes('172.31.240.')));
  });
});
