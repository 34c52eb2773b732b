// Hostile names in the real extension host: tree labels and tooltips literal, the NAT text document literal, and no
// link or HTML can form.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { label, walk } from './treeWalk';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { NetnsTreeProvider } from '../../src/extension/tree/provider';
import type { TreeNode } from '../../src/extension/tree/nodes';
import {
  HOSTILE_COMMENTS,
  HOSTILE_IFACES,
  HOSTILE_PORT,
  hostileDown,
  hostileUp,
  type HostileKey,
  type HostileState,
} from '../lab/hostile';

interface MarkdownRenderer {
  render(source: string): string;
}
// The worst case for a tooltip: a renderer that passes HTML through and turns bare URLs into links.
// markdown-it ships no ES module types; the test loads it the CommonJS way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const markdown = (require('markdown-it') as (options: object) => MarkdownRenderer)({ html: true, linkify: true });

/** What the Markdown shows once rendered: backslash escapes of punctuation removed. */
const rendered = (md: string): string => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
/** Names as a tooltip must show them: invisible characters (newline, bidi override) as visible escapes. */
const visible = (text: string): string => text.replace(/\n/g, '\\n').replace(/\u202e/g, '\\u202E');

/**
 * The tooltip's Markdown, after checking it cannot run anything: untrusted, no HTML, and rendering forms no link, image
 * or script.
 */
function safeTooltip(provider: NetnsTreeProvider, node: TreeNode): string {
  const tip = provider.resolveTreeItem(provider.getTreeItem(node), node).tooltip;
  if (tip === undefined || typeof tip === 'string') return tip ?? '';
  assert.equal(tip.isTrusted, false, 'not trusted: command links are not followed');
  assert.notEqual(tip.supportHtml, true);
  const html = markdown.render(tip.value);
  assert.doesNotMatch(html, /<(a|img|script|iframe)\b/i, `no link, image or script forms: ${html.slice(0, 400)}`);
  return tip.value;
}

describe('hostile names in the sidebar and the NAT document', function () {
  this.timeout(180_000);
  let api: NetnsExplorerApi;
  let lab: HostileState;
  let keys: HostileKey[];

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await hostileUp();
    keys = Object.keys(lab.names) as HostileKey[];
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    api = await ext.activate();
    await vscode.commands.executeCommand('workbench.view.extension.netnsExplorer');
    await api.store.refresh();
  });
  after(async () => {
    if (lab) await hostileDown();
    await api?.store.refresh();
  });

  it("Namespaces: every hostile name is its item's label, character for character", () => {
    const labels = api.providers.namespaces.getChildren().map((n) => label(api.providers.namespaces.getTreeItem(n)));
    for (const key of keys) assert.ok(labels.includes(lab.names[key]), `${key}: ${JSON.stringify(lab.names[key])}`);
  });

  it('Namespaces: tooltips of each hostile namespace and everything under it show the text literally and cannot run anything', async () => {
    for (const key of keys) {
      const node: TreeNode = { kind: 'namespace', ns: lab.ids[key] };
      const tip = safeTooltip(api.providers.namespaces, node);
      assert.ok(rendered(tip).includes(visible(lab.names[key])), `${key} tooltip shows ${visible(lab.names[key])}`);
      for (const child of await walk(api.providers.namespaces, node, 5))
        safeTooltip(api.providers.namespaces, child.node);
    }
    const iface = safeTooltip(api.providers.namespaces, {
      kind: 'interface',
      ns: lab.ids.html,
      ifname: HOSTILE_IFACES.html,
    });
    assert.ok(rendered(iface).includes(HOSTILE_IFACES.markdown), "the peer's markup name is shown literally");
  });

  it('Veth pairs and Bridges: the pair between the hostile namespaces reads literally', async () => {
    const items = await walk(api.providers.veths, undefined, 5);
    const pair = items.find((x) => label(x.item).includes(HOSTILE_IFACES.html));
    assert.ok(pair, items.map((x) => label(x.item)).join(' | '));
    assert.equal(
      label(pair.item),
      `${HOSTILE_IFACES.html} (${lab.names.html}) ⇄ ${HOSTILE_IFACES.markdown} (${lab.names.markdown})`,
    );
    safeTooltip(api.providers.veths, pair.node);
  });

  it('NAT: the mapping to the Markdown-named namespace, and rule items with hostile comments, are literal and safe', async () => {
    const all = await walk(api.providers.nat, undefined, 5);
    const mapping = all.find(
      (x) =>
        x.node.kind === 'mapping' &&
        label(x.item).startsWith(`0.0.0.0:${HOSTILE_PORT}/tcp`) &&
        label(x.item).includes(lab.names.markdown),
    );
    assert.ok(
      mapping,
      all
        .filter((x) => x.node.kind === 'mapping')
        .map((x) => label(x.item))
        .join(' | '),
    );
    assert.equal(label(mapping.item), `0.0.0.0:${HOSTILE_PORT}/tcp → 10.254.77.2:80 (${lab.names.markdown})`);
    assert.ok(
      rendered(safeTooltip(api.providers.nat, mapping.node)).includes(HOSTILE_COMMENTS.html),
      'the mapping tooltip shows the HTML comment as text',
    );
    const set = { ns: lab.ids.html, family: 'ipv4' as const, source: 'iptables-save' };
    const rules = await walk(api.providers.nat, { kind: 'ruleSet', set }, 5);
    const ruleItems = rules.filter((x) => x.node.kind === 'rule');
    assert.equal(ruleItems.length, 3);
    for (const r of ruleItems) {
      const tip = rendered(safeTooltip(api.providers.nat, r.node));
      assert.ok(
        Object.values(HOSTILE_COMMENTS).some((c) => tip.includes(c)),
        `rule tooltip shows its comment literally: ${tip.slice(0, 300)}`,
      );
    }
  });

  it('Open NAT Rules as Text: the document holds the rules exactly as iptables-save printed them; hovers are safe', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('netnsExplorer.openNatRules', {
      kind: 'ruleSet',
      set: { ns: lab.ids.html, family: 'ipv4', source: 'iptables-save' },
    });
    const text = editor.document.getText();
    assert.ok(
      text.includes(`# iptables-save of namespace ${lab.names.html} `),
      'the header names the namespace literally',
    );
    assert.ok(
      text.includes(
        '--comment "<script>alert(1)</script><img src=x onerror=alert(2)> [run](command:workbench.action.terminal.new)" -j DNAT',
      ),
      text,
    );
    assert.ok(text.includes('--comment "he said \\"hi\\" and \\\'bye\\\'"'));
    assert.ok(text.includes('--comment "C:\\\\path\\\\to\\\\ end\\\\"'));
    const line = text.split('\n').findIndex((l) => l.includes('-j DNAT'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      editor.document.uri,
      new vscode.Position(line, 5),
    );
    const contents = hovers.flatMap((h) => h.contents);
    assert.ok(contents.length > 0);
    for (const c of contents) {
      if (typeof c === 'string' || !('value' in c)) continue;
      if (c instanceof vscode.MarkdownString) assert.equal(c.isTrusted, false);
      assert.doesNotMatch(markdown.render(c.value), /<(a|img|script)\b/i);
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
