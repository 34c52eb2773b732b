// netnsExplorer.openNatRules: open a namespace's rule set as a read-only iptables-save document.
import * as vscode from 'vscode';
import type { RuleSet } from '../../core/model';
import { natDocumentUri } from '../natDocument';
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import { showInfo } from '../notify';
import { ruleSourceOf } from '../../core/rules';

export function openNatRules(ctx: CommandContext): (node?: TreeNode) => Promise<vscode.TextEditor | undefined> {
  return async (node) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return undefined;
    const idx = new SnapshotIndex(snapshot);
    // A namespace whose firewall was never touched dumps nothing: offering it would only bury the real rule sets.
    let candidates: RuleSet[] = snapshot.nat.filter((s) => ruleSourceOf(s).tables(s).length > 0);
    if (node?.kind === 'ruleSet')
      candidates = candidates.filter(
        (s) => s.namespace === node.set.ns && s.family === node.set.family && s.source === node.set.source,
      );
    else if (node && 'ns' in node && typeof node.ns === 'string')
      candidates = candidates.filter((s) => s.namespace === node.ns);
    if (candidates.length === 0) {
      void showInfo(
        ctx.store.readOnly
          ? 'NAT rules need root: set netnsExplorer.privilege to sudo or run VS Code as root.'
          : 'No NAT rules were read for this namespace.',
      );
      return undefined;
    }
    let set: RuleSet | undefined = candidates[0];
    if (candidates.length > 1) {
      const pick = await vscode.window.showQuickPick(
        candidates.map((s) => ({
          label: idx.label(s.namespace),
          description: `${s.source} · ${s.family} · ${s.ruleCount} rules`,
          set: s,
        })),
        { title: 'Open NAT rules of…', matchOnDescription: true },
      );
      set = pick?.set;
    }
    if (!set) return undefined;
    const doc = await vscode.workspace.openTextDocument(natDocumentUri(set, idx.label(set.namespace)));
    return vscode.window.showTextDocument(doc, { preview: true });
  };
}
