// "Open NAT Rules as Text": a read-only iptables-save document per rule set, with rule explanations on hover.
import * as vscode from 'vscode';
import { renderRuleDocument, type RuleDocument } from '../core/iptables/document';
import type { NatRuleSet } from '../core/model';
import type { SnapshotStore } from './store';
import { ruleTooltip } from './tree/items/ruleItem';
import { SnapshotIndex } from './tree/snapshotIndex';

export const NAT_SCHEME = 'netns-explorer-nat';

export function natDocumentUri(set: NatRuleSet, label: string): vscode.Uri {
  const safe = label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60) || 'netns';
  const query = new URLSearchParams({ ns: set.namespace, family: set.family, source: set.source }).toString();
  return vscode.Uri.from({ scheme: NAT_SCHEME, path: `/${safe}.${set.source}.rules`, query });
}

function setOf(uri: vscode.Uri, store: SnapshotStore): NatRuleSet | undefined {
  const q = new URLSearchParams(uri.query);
  return store.snapshot?.nat.find(
    (s) => s.namespace === q.get('ns') && s.family === q.get('family') && s.source === q.get('source'),
  );
}

export class NatDocumentProvider
  implements vscode.TextDocumentContentProvider, vscode.HoverProvider, vscode.Disposable
{
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly rendered = new Map<string, RuleDocument>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: SnapshotStore) {
    // Open documents follow the snapshot: a refresh re-renders them.
    this.subscription = store.onDidChange(() => {
      for (const key of this.rendered.keys()) this.changed.fire(vscode.Uri.parse(key));
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const set = setOf(uri, this.store);
    const snapshot = this.store.snapshot;
    if (!set || !snapshot)
      return '# This rule set is not in the current snapshot (the namespace may be gone). Refresh and open it again.\n';
    const idx = new SnapshotIndex(snapshot);
    const doc = renderRuleDocument(set.tables, [
      `${set.source} of namespace ${idx.label(set.namespace)} (id ${set.namespace}), ${set.family}`,
      `snapshot taken ${snapshot.takenAt}; read-only view: hover a rule for what it does`,
    ]);
    this.rendered.set(uri.toString(), doc);
    return doc.text;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const rule = this.rendered.get(document.uri.toString())?.rules[position.line];
    const set = setOf(document.uri, this.store);
    const snapshot = this.store.snapshot;
    if (!rule || !set || !snapshot) return undefined;
    const table = set.tables.find((t) => t.name === rule.table);
    if (!table) return undefined;
    return new vscode.Hover(
      ruleTooltip(rule, table, set, new SnapshotIndex(snapshot)),
      document.lineAt(position.line).range,
    );
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
