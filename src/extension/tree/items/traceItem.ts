// Tree items for the Trace view: the verdict, each branch of a statistic split, the reply, and each step with its
// rule (a click reveals the rule in the NAT view).
import * as vscode from 'vscode';
import type { KernelReport } from '../../../host/access';
import type { Snapshot } from '../../../core/model';
import { nsLabel } from '../../../core/trace/engine';
import type { TraceOutcome, TraceResult, TraceStep } from '../../../core/trace/types';
import { COMMAND } from '../../ids';
import { icon, safeMarkdown } from './common';

const STEP_ICONS: Record<TraceStep['kind'], string> = {
  hook: 'debug-step-into',
  rule: 'list-selection',
  skip: 'debug-step-over',
  policy: 'law',
  route: 'compass',
  hop: 'arrow-right',
  nat: 'arrow-swap',
  deliver: 'inbox',
  note: 'info',
};

export function traceVerdictItem(r: TraceResult): vscode.TreeItem {
  const item = new vscode.TreeItem(r.summary, vscode.TreeItemCollapsibleState.None);
  item.description = r.title;
  const uncertain = r.uncertain ? '\nSome steps rest on assumptions (marked with a warning).' : '';
  item.tooltip = `${r.title}\n${r.summary}${uncertain}`;
  const ok = r.connected;
  item.iconPath = icon(ok ? 'pass' : 'error', ok ? 'testing.iconPassed' : 'testing.iconFailed');
  item.id = 'trace:verdict';
  return item;
}

/**
 * The first row: the answer (for a failure, why and the fix). `single`: the trace it comes from, whose verdict follows
 * on the next row; null for a diagnosis of several places.
 */
export function traceAnswerItem(answer: string, single: TraceResult | null): vscode.TreeItem {
  const item = new vscode.TreeItem(answer, vscode.TreeItemCollapsibleState.None);
  item.tooltip = answer;
  const ok = single ? single.connected : answer.startsWith('Works from');
  item.iconPath = icon(ok ? 'pass' : 'lightbulb', ok ? 'testing.iconPassed' : 'problemsWarningIcon.foreground');
  item.id = 'trace:answer';
  return item;
}

/** One place a diagnosis traced from: its verdict, opening onto its trace. */
export function traceSourceItem(label: string, r: TraceResult, index: number): vscode.TreeItem {
  const ok = r.connected;
  const item = new vscode.TreeItem(`From ${label}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = ok ? r.summary : r.answer;
  item.tooltip = `${r.title}\n${r.summary}${ok ? '' : `\n${r.answer}`}`;
  item.iconPath = icon(ok ? 'pass' : 'error', ok ? 'testing.iconPassed' : 'testing.iconFailed');
  item.id = `trace:source:${index}`;
  return item;
}

/** A run of steps where nothing happened, folded. */
export function quietItem(count: number, id: string): vscode.TreeItem {
  const item = new vscode.TreeItem(`${count} steps where nothing happened`, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = 'rules passed over, policies that decided nothing';
  item.iconPath = icon('fold');
  item.id = id;
  return item;
}

export function traceOutcomeItem(o: TraceOutcome | undefined, key: string): vscode.TreeItem {
  const label = `${((o?.probability ?? 0) * 100).toFixed(1)}%: ${o?.summary ?? ''}`;
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.tooltip = o?.choices.join('\n');
  item.id = `trace:outcome:${key}`;
  return item;
}

export function traceReplyItem(o: TraceOutcome | undefined, key: string): vscode.TreeItem {
  const item = new vscode.TreeItem(`Reply: ${o?.reply?.summary ?? ''}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.iconPath = icon('arrow-left');
  item.id = `trace:reply:${key}`;
  return item;
}

export function traceStepItem(s: TraceStep, snapshot: Snapshot, id: string): vscode.TreeItem {
  const item = new vscode.TreeItem(`${'  '.repeat(s.depth)}${s.title}`, vscode.TreeItemCollapsibleState.None);
  item.description = s.text;
  const md = safeMarkdown();
  md.appendText(`${nsLabel(snapshot, s.namespace)} · ${s.title}\n\n${s.text}\n\n${s.packet}`);
  if (s.rule) md.appendCodeblock(s.rule.text, 'iptables');
  for (const a of s.assumptions) md.appendText(`\nAssumed: ${a}`);
  item.tooltip = md;
  item.iconPath = icon(s.uncertain ? 'warning' : STEP_ICONS[s.kind]);
  item.id = id;
  if (s.rule) item.command = { command: COMMAND.revealTraceStep, title: 'Show Rule', arguments: [s.rule] };
  return item;
}

/** Trace with the Kernel's answer: whether the kernel agrees, and both verdicts; the differences in the tooltip. */
export function kernelItem(report: KernelReport): vscode.TreeItem {
  const c = report.comparison;
  const item = new vscode.TreeItem(c.summary, vscode.TreeItemCollapsibleState.None);
  item.description = report.kernel.observable ? `model: ${c.verdicts.model} · kernel: ${c.verdicts.kernel}` : '';
  const lines = [
    c.summary,
    ...c.modelOnly.map((m) => `model only: ${m}`),
    ...c.kernelOnly.map((k) => `kernel only: ${k}`),
    ...(report.probe ? [`probe: ${report.probe.outcome}`] : []),
  ];
  item.tooltip = lines.join('\n');
  item.iconPath = icon(
    c.agrees ? 'verified' : 'warning',
    c.agrees ? 'testing.iconPassed' : 'problemsWarningIcon.foreground',
  );
  item.id = 'trace:kernel';
  return item;
}
