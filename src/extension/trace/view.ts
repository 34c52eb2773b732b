// The Trace view: the latest trace's verdict on top, then each step; rule steps reveal their rule in the NAT view.
import * as vscode from 'vscode';
import { nsLabel } from '../../core/trace/engine';
import type { Snapshot } from '../../core/model';
import type { TraceResult, TraceStep } from '../../core/trace/types';

export type TraceNode =
  | { kind: 'verdict' }
  | { kind: 'outcome'; index: number }
  | { kind: 'reply'; outcome: number }
  | { kind: 'step'; outcome: number; reply: boolean; index: number };

export const REVEAL_STEP_COMMAND = 'netnsExplorer.revealTraceStep';

export class TraceTreeProvider implements vscode.TreeDataProvider<TraceNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private result: TraceResult | null = null;
  private snapshot: Snapshot | null = null;

  get current(): TraceResult | null {
    return this.result;
  }

  show(result: TraceResult, snapshot: Snapshot): void {
    this.result = result;
    this.snapshot = snapshot;
    this.changed.fire(undefined);
  }

  private steps(outcome: number, reply: boolean): TraceStep[] {
    const o = this.result?.outcomes[outcome];
    return (reply ? o?.reply?.steps : o?.steps) ?? [];
  }

  getChildren(node?: TraceNode): TraceNode[] {
    const r = this.result;
    if (!r) return [];
    if (!node) {
      if (r.outcomes.length > 1)
        return [{ kind: 'verdict' }, ...r.outcomes.map((_, index) => ({ kind: 'outcome' as const, index }))];
      return [{ kind: 'verdict' }, ...this.outcomeChildren(0)];
    }
    if (node.kind === 'outcome') return this.outcomeChildren(node.index);
    if (node.kind === 'reply')
      return this.steps(node.outcome, true).map((_, index) => ({
        kind: 'step',
        outcome: node.outcome,
        reply: true,
        index,
      }));
    return [];
  }

  private outcomeChildren(outcome: number): TraceNode[] {
    const out: TraceNode[] = this.steps(outcome, false).map((_, index) => ({
      kind: 'step',
      outcome,
      reply: false,
      index,
    }));
    if (this.result?.outcomes[outcome]?.reply) out.push({ kind: 'reply', outcome });
    return out;
  }

  getTreeItem(node: TraceNode): vscode.TreeItem {
    const r = this.result;
    if (!r || !this.snapshot) return new vscode.TreeItem('(no trace)');
    if (node.kind === 'verdict') {
      const item = new vscode.TreeItem(r.summary, vscode.TreeItemCollapsibleState.None);
      item.description = r.title;
      item.tooltip = `${r.title}\n${r.summary}${r.uncertain ? '\nSome steps rest on assumptions (marked with a warning).' : ''}`;
      const ok = r.verdict.kind === 'delivered';
      item.iconPath = new vscode.ThemeIcon(
        ok ? 'pass' : 'error',
        new vscode.ThemeColor(ok ? 'testing.iconPassed' : 'testing.iconFailed'),
      );
      item.id = 'trace:verdict';
      return item;
    }
    if (node.kind === 'outcome') {
      const o = r.outcomes[node.index];
      const item = new vscode.TreeItem(
        `${((o?.probability ?? 0) * 100).toFixed(1)}%: ${o?.summary ?? ''}`,
        vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.tooltip = o?.choices.join('\n');
      item.id = `trace:outcome:${node.index}`;
      return item;
    }
    if (node.kind === 'reply') {
      const o = r.outcomes[node.outcome];
      const item = new vscode.TreeItem(`Reply: ${o?.reply?.summary ?? ''}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.iconPath = new vscode.ThemeIcon('arrow-left');
      item.id = `trace:reply:${node.outcome}`;
      return item;
    }
    const s = this.steps(node.outcome, node.reply)[node.index];
    if (!s) return new vscode.TreeItem('(gone)');
    const item = new vscode.TreeItem(`${'  '.repeat(s.depth)}${s.title}`, vscode.TreeItemCollapsibleState.None);
    item.description = s.text;
    const md = new vscode.MarkdownString(undefined, false);
    md.isTrusted = false;
    md.supportHtml = false;
    md.appendText(`${nsLabel(this.snapshot, s.namespace)} · ${s.title}\n\n${s.text}\n\n${s.packet}`);
    if (s.rule) md.appendCodeblock(s.rule.text, 'iptables');
    for (const a of s.assumptions) md.appendText(`\nAssumed: ${a}`);
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon(s.uncertain ? 'warning' : STEP_ICONS[s.kind]);
    item.id = `trace:${node.outcome}:${node.reply ? 'r' : 'q'}:${node.index}`;
    if (s.rule) item.command = { command: REVEAL_STEP_COMMAND, title: 'Show Rule', arguments: [s.rule] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const STEP_ICONS: Record<TraceStep['kind'], string> = {
  hook: 'debug-step-into',
  rule: 'list-selection',
  policy: 'law',
  route: 'compass',
  hop: 'arrow-right',
  nat: 'arrow-swap',
  deliver: 'inbox',
  note: 'info',
};
