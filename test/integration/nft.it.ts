// Native nftables in a real VS Code: the NAT view shows native tables beside iptables' (base chains with their hook
// and priority, rules in nft syntax whose hover explains them), the mappings they publish, which backends hold a
// namespace's rules, and the nft text document with the same hovers.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/tree/nodes';
import type { NetnsTreeProvider } from '../../src/extension/tree/provider';
import { hostOf, nftLabDown, nftLabUp } from '../lab/nftLab';
import { label } from './treeWalk';

/** What the Markdown shows once rendered: backslash escapes of punctuation removed. */
function rendered(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

function tooltipText(provider: NetnsTreeProvider, node: TreeNode): string {
  const item = provider.resolveTreeItem(provider.getTreeItem(node), node);
  const tip = item.tooltip;
  assert.ok(tip instanceof vscode.MarkdownString, 'tooltip is Markdown');
  assert.equal(tip.isTrusted, false);
  return rendered(tip.value);
}

describe('native nftables in the views', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  const fw = hostOf('fw');
  const mx = hostOf('mx');
  const idOf = (name: string) => api.store.snapshot?.namespaces.find((n) => n.name === name)?.id ?? '';

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    await nftLabUp();
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    api = await ext.activate();
    await vscode.commands.executeCommand('workbench.view.extension.netnsExplorer');
    await api.store.refresh();
  });

  after(async () => {
    if (process.getuid?.() === 0) await nftLabDown();
    await api?.store.refresh();
  });

  it('NAT: a native table → base chain (hook, priority) → rule in nft syntax, explained on hover', () => {
    const set = { ns: idOf(fw.host), family: 'all' as const, source: 'nft' };
    const root = api.providers.nat.getChildren().find((n) => n.kind === 'ruleSet' && n.set.ns === set.ns);
    assert.ok(root, 'the nft rule set of nxn-fw is a root of the NAT view');
    assert.match(api.providers.nat.getTreeItem(root).description as string, /^nft · IPv4 and IPv6 · 36 rules$/);
    const tables = api.providers.nat
      .getChildren({ kind: 'ruleSet', set })
      .map((t) => (t.kind === 'table' ? t.table : ''));
    assert.deepEqual(tables, ['inet firewalld']);
    const chains = api.providers.nat.getChildren({ kind: 'table', set, table: 'inet firewalld' });
    const input = chains.find((c) => label(api.providers.nat.getTreeItem(c)) === 'filter_INPUT');
    assert.ok(input);
    assert.match(
      api.providers.nat.getTreeItem(input).description as string,
      /^filter hook input priority filter \+ 10 · policy accept · 6 rules · firewalld$/,
    );
    const rules = api.providers.nat.getChildren({
      kind: 'chain',
      set,
      table: 'inet firewalld',
      chain: 'nat_PRE_public_allow',
    });
    const dnat = rules[0];
    assert.ok(dnat);
    assert.equal(
      label(api.providers.nat.getTreeItem(dnat)),
      'meta nfproto ipv4 tcp dport 8082 dnat ip to 10.90.4.2:80',
    );
    const tip = tooltipText(api.providers.nat, dnat);
    assert.match(tip, /```nft\nmeta nfproto ipv4 tcp dport 8082 dnat ip to 10\.90\.4\.2:80\n```/);
    assert.match(
      tip,
      /the TCP destination port is 8082: rewrites the destination \(DNAT\) to 10\.90\.4\.2:80 \(container nxn-fw-c1\)/,
    );
    assert.match(tip, /nat_PREROUTING → nat_PREROUTING_ZONES → nat_PRE_public → nat_PRE_public_allow/);
  });

  it("NAT: the mappings native tables publish, and iptables-nft's tables once", () => {
    const mappings = api.store.snapshot?.portMappings.filter((m) => m.source === 'nft') ?? [];
    assert.ok(
      mappings.some((m) => m.namespace === idOf(fw.host) && m.hostPort === 8082 && m.targetNamespace === idOf(fw.c1)),
    );
    const mxSet = { ns: idOf(mx.host), family: 'all' as const, source: 'nft' };
    const tables = api.providers.nat
      .getChildren({ kind: 'ruleSet', set: mxSet })
      .map((t) => (t.kind === 'table' ? t.table : ''));
    assert.deepEqual(
      tables,
      ['inet nxn-guard'],
      'the nat and filter tables iptables-nft wrote are under iptables-save',
    );
    const nsTip = tooltipText(api.providers.namespaces, { kind: 'namespace', ns: idOf(mx.host) });
    assert.match(
      nsTip,
      /Firewall rules in.*iptables-nft \(8 rules in filter, nat\), nftables \(4 rules in inet nxn-guard\)/,
    );
  });

  it('Open NAT Rules as Text: the nft ruleset, whose rule lines explain themselves on hover', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('netnsExplorer.openNatRules', {
      kind: 'ruleSet',
      set: { ns: idOf(fw.host), family: 'all', source: 'nft' },
    });
    assert.ok(editor);
    const doc = editor.document;
    assert.match(doc.getText(), /^table inet firewalld \{$/m);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('dnat ip to 10.90.4.2:80'));
    assert.ok(line > 0);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(line, 5),
    );
    const text = rendered(
      hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n'),
    );
    assert.match(text, /rewrites the destination \(DNAT\) to 10\.90\.4\.2:80/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
