// "Open NAT Rules as Text": a read-only document per rule set in its tool's syntax (iptables-save, nft), with rule
// explanations on hover.
import * as vscode from 'vscode';
import type { RuleSet } from '../core/model';
import { ruleSourceOf } from '../core/rules';
import type { RuleText } from '../core/rules/types';
import type { SnapshotStore } from './store';
import { ruleTooltip } from './tree/items/ruleItem';
import { SnapshotIndex } from './tree/snapshotIndex';

export const NAT_SCHEME = 'netns-explorer-nat';

export function natDocumentUri(set: RuleSet, label: string): vscode.Uri {
  const safe = label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60) || 'netns';
  const query = new URLSearchParams({ ns: set.namespace, family: set.family, source: set.source }).toString();
  return vscode.Uri.from({ scheme: NAT_SCHEME, path: `/${safe}.${set.source}.rules`, query });
}

function setOf(uri: vscode.Uri, store: SnapshotStore): RuleSet | undefined {
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
  private readonly rendered = new Map<string, RuleText>();
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
    const doc = ruleSourceOf(set).text(set, [
      set.source === 'nft'
        ? `nft list ruleset of namespace ${idx.label(set.namespace)} (id ${set.namespace}): native tables only; the tables iptables-nft wrote are in its iptables-save documents`
        : `${set.source} of namespace ${idx.label(set.namespace)} (id ${set.namespace}), ${set.family}`,
      `snapshot taken ${snapshot.takenAt}; read-only view: hover a rule for what it does`,
    ]);
    this.rendered.set(uri.toString(), doc);
    return doc.text;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const ref = this.rendered.get(document.uri.toString())?.rules[position.line];
    const set = setOf(document.uri, this.store);
    const snapshot = this.store.snapshot;
    if (!ref || !set || !snapshot) return undefined;
    const idx = new SnapshotIndex(snapshot);
    const details = idx.ruleDetails(set, ref);
    return details && new vscode.Hover(ruleTooltip(details, set, idx), document.lineAt(position.line).range);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
