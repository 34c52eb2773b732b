// Every tooltip the tree shows, rendered with markdown-it as the workbench would render it (HTML off, as
// supportHtml is false): no literal `**`, no backslash left visible, no field said twice, no link or image.
// Walks every node of the four views over the replayed lab recording, and every step of a trace.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { mappingKey } from '../../src/core/labels';
import { parseSs } from '../../src/core/listeners';
import type { Snapshot } from '../../src/core/model';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras } from '../../src/core/trace/types';
import { NO_FILTER } from '../../src/extension/tree/filter';
import { traceStepItem } from '../../src/extension/tree/items/traceItem';
import type { TreeNode } from '../../src/extension/tree/nodes';
import type { ViewModel } from '../../src/extension/tree/provider';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { bridgesView } from '../../src/extension/tree/views/bridgesView';
import { namespacesView } from '../../src/extension/tree/views/namespacesView';
import { natView } from '../../src/extension/tree/views/natView';
import { vethsView } from '../../src/extension/tree/views/vethsView';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

interface MarkdownRenderer {
  render(source: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const markdown = (require('markdown-it') as (options: object) => MarkdownRenderer)({ html: false });

const FIXTURES = join(__dirname, '../../../test/fixtures');

/** What a reader sees: the rendered HTML's text, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function check(where: string, tooltip: unknown): string {
  const value = (tooltip as { value?: string } | undefined)?.value;
  assert.equal(typeof value, 'string', `${where}: a Markdown tooltip`);
  const html = markdown.render(value!);
  const text = visibleText(html);
  assert.ok(!text.includes('**'), `${where}: literal ** in ${JSON.stringify(text.slice(0, 300))}`);
  assert.ok(!/<a |<img /.test(html), `${where}: a link or image in ${html.slice(0, 300)}`);
  // A field may repeat under another heading (a veth's two ends), never within one.
  for (const section of html.split(/<h\d>/)) {
    const labels = [...section.matchAll(/<strong>([^<]+):<\/strong>/g)].map((m) => m[1]);
    const twice = labels.find((l, i) => labels.indexOf(l) !== i);
    assert.equal(twice, undefined, `${where}: the field "${twice}" is said twice`);
  }
  return text;
}

function walk(model: ViewModel, idx: SnapshotIndex, visit: (node: TreeNode) => void): number {
  let count = 0;
  const go = (node: TreeNode, depth: number) => {
    count++;
    visit(node);
    if (depth < 8) for (const child of model.children(node, idx, NO_FILTER)) go(child, depth + 1);
  };
  for (const root of model.roots(idx, NO_FILTER)) go(root, 0);
  return count;
}

describe('tooltips, rendered as the workbench renders them', () => {
  let snapshot: Snapshot;
  before(async () => {
    const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
    snapshot = await collectSnapshot(replay, replay.discovery);
  });

  const views: [string, () => ViewModel][] = [
    ['Namespaces', () => namespacesView],
    ['Bridges', () => bridgesView],
    ['Veth Pairs', () => vethsView],
    ['NAT', () => natView(() => 500)],
  ];
  for (const [name, model] of views) {
    it(`${name}: every tooltip renders cleanly`, () => {
      const idx = new SnapshotIndex(snapshot);
      const kinds = new Set<string>();
      let tooltips = 0;
      const nodes = walk(model(), idx, (node) => {
        const tip = model().tooltip(node, idx);
        if (!tip) return;
        tooltips++;
        kinds.add(node.kind);
        check(`${name} ${JSON.stringify(node).slice(0, 120)}`, tip);
      });
      assert.ok(nodes > 0 && tooltips > 0, `${name}: ${nodes} nodes, ${tooltips} tooltips`);
      if (name === 'Namespaces') assert.deepEqual([...kinds].sort(), ['interface', 'namespace', 'route']);
      if (name === 'NAT') assert.deepEqual([...kinds].sort(), ['chain', 'mapping', 'rule']);
    });
  }

  it('a mapping of ours says its comment once, and a veth tooltip has no stray bold markers', () => {
    const idx = new SnapshotIndex(snapshot);
    const nat = natView(() => 500);
    const ours = snapshot.portMappings.filter((m) => m.comment);
    for (const m of ours) {
      const tip = nat.tooltip({ kind: 'mapping', ns: m.namespace, key: mappingKey(m) }, idx);
      const text = check(`mapping ${m.hostPort}`, tip);
      assert.ok((text.match(/Comment/g) ?? []).length <= 1, text);
    }
  });

  it('every trace step tooltip renders cleanly', () => {
    const extras = new Map<string, NamespaceExtras>(
      snapshot.namespaces.map((n) => [
        n.id,
        {
          listeners: parseSs('tcp LISTEN 0 511 *:80 *:* users:(("httpd",pid=42,fd=6))').listeners,
          sysctls: { 'ipv4/ip_forward': '1' },
          errors: [],
        },
      ]),
    );
    let steps = 0;
    for (const m of snapshot.portMappings.slice(0, 6)) {
      if (typeof m.hostPort !== 'number' || m.protocol === 'sctp') continue;
      const r = traceConnection(snapshot, extras, {
        source: { kind: 'local', namespace: m.namespace },
        dst: m.hostIp === '0.0.0.0' || m.hostIp === '::' ? (m.family === 'ipv4' ? '127.0.0.1' : '::1') : m.hostIp,
        dport: m.hostPort,
        protocol: m.protocol as 'tcp' | 'udp',
      });
      for (const o of r.outcomes)
        for (const s of [...o.steps, ...(o.reply?.steps ?? [])]) {
          steps++;
          check(`trace step ${s.title}`, traceStepItem(s, snapshot, 'x').tooltip);
        }
    }
    assert.ok(steps > 20, `${steps} steps`);
  });
});
