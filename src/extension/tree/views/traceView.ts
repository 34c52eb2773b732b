// The Trace view: the answer on top, then the trace (or, for "Why doesn't this work?", one row per place traced, each
// opening onto its trace). Runs of steps where nothing happened (rules passed over, policies that decided nothing)
// are folded into one collapsed row. Items are in tree/items/traceItem.ts.
import * as vscode from 'vscode';
import { linkKey } from '../../../core/kernel/witness';
import type { KernelReport } from '../../../host/access';
import type { Snapshot } from '../../../core/model';
import type { Diagnosis } from '../../../core/trace/diagnose';
import type { TraceOutcome, TraceResult, TraceStep } from '../../../core/trace/types';
import {
  kernelItem,
  quietItem,
  traceAnswerItem,
  traceOutcomeItem,
  traceReplyItem,
  traceSourceItem,
  traceStepItem,
  traceVerdictItem,
} from '../items/traceItem';

/** `source`: which traced place (a diagnosis); absent for a single trace. */
interface Where {
  source?: number;
  outcome: number;
  reply: boolean;
}

export type TraceNode =
  | { kind: 'answer' }
  | { kind: 'kernel' }
  | { kind: 'verdict' }
  | { kind: 'source'; source: number }
  | { kind: 'outcome'; source?: number; index: number }
  | { kind: 'reply'; source?: number; outcome: number }
  | ({ kind: 'quiet'; from: number; to: number } & Where)
  | ({ kind: 'step'; index: number } & Where);

/** A step where nothing happened to the packet: a rule passed over, or a policy that decided nothing. */
export function quietStep(s: TraceStep): boolean {
  return s.kind === 'skip' || (s.kind === 'policy' && /no rule decided/.test(s.text));
}

/** Shorter runs stay as they are: folding two rows into one saves nothing. */
const MIN_FOLD = 3;

export class TraceTreeProvider implements vscode.TreeDataProvider<TraceNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private results: { label: string; result: TraceResult }[] = [];
  private diagnosis: Diagnosis | null = null;
  private snapshot: Snapshot | null = null;
  /** With Trace with the Kernel: the kernel's answer, and the rules (by direction and link) it saw match. */
  private kernel: { report: KernelReport; seen: Set<string> } | null = null;

  /** The trace shown (for a diagnosis: the first place's, a failing one when any fails). */
  get current(): TraceResult | null {
    return this.results[0]?.result ?? null;
  }

  get answer(): string | null {
    return this.diagnosis?.answer ?? this.current?.answer ?? null;
  }

  show(result: TraceResult, snapshot: Snapshot): void {
    this.results = [{ label: result.title, result }];
    this.diagnosis = null;
    this.kernel = null;
    this.snapshot = snapshot;
    this.changed.fire(undefined);
  }

  /** The model's trace with the kernel's verdict on top and each rule step marked seen by the kernel or model only. */
  showWitness(report: KernelReport, snapshot: Snapshot): void {
    this.show(report.result, snapshot);
    const seen = new Set(
      report.kernel.steps.filter((s) => s.rule !== null).map((s) => `${s.direction} ${linkKey(s.rule!)}`),
    );
    this.kernel = { report, seen };
    this.changed.fire(undefined);
  }

  showDiagnosis(diagnosis: Diagnosis, snapshot: Snapshot): void {
    this.kernel = null;
    this.results = diagnosis.results;
    this.diagnosis = diagnosis;
    this.snapshot = snapshot;
    this.changed.fire(undefined);
  }

  private result(source: number | undefined): TraceResult | undefined {
    return this.results[source ?? 0]?.result;
  }

  /** The trace a row belongs to: a place's of a diagnosis (its row or anything under it), else the one shown. */
  resultOf(node: TraceNode | undefined): TraceResult | null {
    const source = node && 'source' in node ? node.source : undefined;
    return this.result(source) ?? null;
  }

  /** A step row's step and the outcome it belongs to (Capture Traffic… on a step). */
  stepAt(node: TraceNode): { step: TraceStep; outcome: TraceOutcome } | null {
    if (node.kind !== 'step') return null;
    const outcome = this.result(node.source)?.outcomes[node.outcome];
    const step = this.steps(node)[node.index];
    return outcome && step ? { step, outcome } : null;
  }

  private steps(w: Where): TraceStep[] {
    const o = this.result(w.source)?.outcomes[w.outcome];
    return (w.reply ? o?.reply?.steps : o?.steps) ?? [];
  }

  getChildren(node?: TraceNode): TraceNode[] {
    const r = this.current;
    if (!r) return [];
    if (!node) {
      if (this.diagnosis)
        return [{ kind: 'answer' }, ...this.results.map((_, source) => ({ kind: 'source' as const, source }))];
      const head: TraceNode[] =
        r.answer !== r.summary ? [{ kind: 'answer' }, { kind: 'verdict' }] : [{ kind: 'verdict' }];
      // The kernel's answer leads: a disagreement is the first thing to read.
      return [...(this.kernel ? [{ kind: 'kernel' as const }] : []), ...head, ...this.resultChildren(undefined)];
    }
    switch (node.kind) {
      case 'source':
        return this.resultChildren(node.source);
      case 'outcome':
        return this.outcomeChildren({ source: node.source, outcome: node.index, reply: false });
      case 'reply':
        return this.stepNodes({ source: node.source, outcome: node.outcome, reply: true });
      case 'quiet':
        return Array.from({ length: node.to - node.from }, (_, i) => ({
          kind: 'step' as const,
          source: node.source,
          outcome: node.outcome,
          reply: node.reply,
          index: node.from + i,
        }));
      default:
        return [];
    }
  }

  private resultChildren(source: number | undefined): TraceNode[] {
    const r = this.result(source);
    if (!r) return [];
    if (r.outcomes.length > 1) return r.outcomes.map((_, index) => ({ kind: 'outcome' as const, source, index }));
    return this.outcomeChildren({ source, outcome: 0, reply: false });
  }

  private outcomeChildren(w: Where): TraceNode[] {
    const out = this.stepNodes(w);
    if (this.result(w.source)?.outcomes[w.outcome]?.reply)
      out.push({ kind: 'reply', source: w.source, outcome: w.outcome });
    return out;
  }

  /** The steps, with each run of at least MIN_FOLD quiet steps folded into one row. */
  private stepNodes(w: Where): TraceNode[] {
    const steps = this.steps(w);
    const out: TraceNode[] = [];
    let i = 0;
    while (i < steps.length) {
      let j = i;
      while (j < steps.length && quietStep(steps[j]!)) j++;
      if (j - i >= MIN_FOLD) {
        out.push({ kind: 'quiet', ...w, from: i, to: j });
        i = j;
      } else {
        out.push({ kind: 'step', ...w, index: i });
        i++;
      }
    }
    return out;
  }

  getTreeItem(node: TraceNode): vscode.TreeItem {
    const r = this.current;
    if (!r || !this.snapshot) return new vscode.TreeItem('(no trace)');
    const key = (w: Where) => `${w.source ?? 's'}:${w.outcome}:${w.reply ? 'r' : 'q'}`;
    switch (node.kind) {
      case 'answer':
        return traceAnswerItem(this.answer ?? r.answer, this.diagnosis ? null : r);
      case 'verdict':
        return traceVerdictItem(r);
      case 'kernel':
        return this.kernel ? kernelItem(this.kernel.report) : new vscode.TreeItem('(no kernel trace)');
      case 'source': {
        const entry = this.results[node.source];
        if (!entry) return new vscode.TreeItem('(gone)');
        const item = traceSourceItem(entry.label, entry.result, node.source);
        item.contextValue = 'traceSource';
        return item;
      }
      case 'outcome':
        return traceOutcomeItem(this.result(node.source)?.outcomes[node.index], `${node.source ?? 's'}:${node.index}`);
      case 'reply':
        return traceReplyItem(
          this.result(node.source)?.outcomes[node.outcome],
          `${node.source ?? 's'}:${node.outcome}`,
        );
      case 'quiet':
        return quietItem(node.to - node.from, `trace:${key(node)}:quiet:${node.from}`);
      case 'step': {
        const step = this.steps(node)[node.index];
        if (!step) return new vscode.TreeItem('(gone)');
        const item = traceStepItem(step, this.snapshot, `trace:${key(node)}:${node.index}`);
        item.contextValue = 'traceStep';
        if (this.kernel?.report.kernel.observable && step.rule && (step.kind === 'rule' || step.kind === 'nat')) {
          const seen = this.kernel.seen.has(`${node.reply ? 'reply' : 'request'} ${linkKey(step.rule)}`);
          item.description = `${seen ? '✓ seen by the kernel' : '✗ model only'} · ${String(item.description ?? '')}`;
        }
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
