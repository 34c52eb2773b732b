// The Trace view: the latest trace's verdict on top, then each step (items in tree/items/traceItem.ts).
import * as vscode from 'vscode';
import type { Snapshot } from '../../../core/model';
import type { TraceResult, TraceStep } from '../../../core/trace/types';
import { traceOutcomeItem, traceReplyItem, traceStepItem, traceVerdictItem } from '../items/traceItem';

export type TraceNode =
  | { kind: 'verdict' }
  | { kind: 'outcome'; index: number }
  | { kind: 'reply'; outcome: number }
  | { kind: 'step'; outcome: number; reply: boolean; index: number };

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
    switch (node.kind) {
      case 'verdict':
        return traceVerdictItem(r);
      case 'outcome':
        return traceOutcomeItem(r.outcomes[node.index], node.index);
      case 'reply':
        return traceReplyItem(r.outcomes[node.outcome], node.outcome);
      case 'step': {
        const step = this.steps(node.outcome, node.reply)[node.index];
        const id = `trace:${node.outcome}:${node.reply ? 'r' : 'q'}:${node.index}`;
        return step ? traceStepItem(step, this.snapshot, id) : new vscode.TreeItem('(gone)');
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
