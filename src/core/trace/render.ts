// Renders a trace result as plain text: the verdict first, then each step, indented by chain depth.
import type { Snapshot } from '../model';
import { nsLabel } from './engine';
import type { TraceOutcome, TraceResult, TraceStep } from './types';

function stepLines(snapshot: Snapshot, steps: readonly TraceStep[]): string[] {
  const out: string[] = [];
  let lastNs = '';
  for (const s of steps) {
    if (s.namespace !== lastNs) {
      out.push(`  [${nsLabel(snapshot, s.namespace)}]`);
      lastNs = s.namespace;
    }
    const pad = '  '.repeat(s.depth + 2);
    out.push(`${pad}${s.uncertain ? '? ' : ''}${s.title}: ${s.text}`);
    if (s.rule) out.push(`${pad}    ${s.rule.text}`);
    for (const a of s.assumptions) out.push(`${pad}    uncertain: ${a}`);
  }
  return out;
}

function outcomeLines(snapshot: Snapshot, o: TraceOutcome, many: boolean): string[] {
  const out: string[] = [];
  if (many)
    out.push(
      '',
      `outcome (${(o.probability * 100).toFixed(1)}%): ${o.summary}`,
      ...o.choices.map((c) => `  branch: ${c}`),
    );
  out.push(...stepLines(snapshot, o.steps));
  if (o.reply) {
    out.push('', `reply: ${o.reply.summary}`, ...stepLines(snapshot, o.reply.steps));
  }
  return out;
}

export function renderTrace(snapshot: Snapshot, r: TraceResult): string {
  const lines = [
    `trace: ${r.title}`,
    `verdict: ${r.summary}${r.uncertain ? ' (uncertain: see the steps marked ?)' : ''}`,
    ...(r.answer !== r.summary ? [`answer: ${r.answer}`] : []),
    '',
  ];
  const many = r.outcomes.length > 1;
  for (const o of r.outcomes) lines.push(...outcomeLines(snapshot, o, many));
  return `${lines.join('\n')}\n`;
}
