// `trace --kernel` in words: whether the kernel agrees first, then its walk per direction and namespace, what differs,
// and the model's trace below.
import { nsLabel } from '../trace/engine';
import { renderTrace } from '../trace/render';
import type { Snapshot } from '../model';
import type { Comparison, KernelWalk } from './witness';
import type { TraceResult } from '../trace/types';

export function renderWitness(
  snapshot: Snapshot,
  w: { result: TraceResult; kernel: KernelWalk; comparison: Comparison; probe: { outcome: string } | null },
): string {
  const lines = [w.comparison.summary];
  if (w.probe) lines.push(`probe: ${w.probe.outcome}`);
  if (w.kernel.observable) {
    lines.push('', "the kernel's walk (nft monitor trace):");
    for (const direction of ['request', 'reply'] as const) {
      const steps = w.kernel.steps.filter((s) => s.direction === direction);
      if (!steps.length) continue;
      lines.push(`  ${direction}:`);
      for (const s of steps) {
        const where = s.rule
          ? `${s.rule.table} ${s.rule.chain} #${s.rule.index + 1}`
          : `${s.family} ${s.table} ${s.chain}`;
        const what = s.rule ? s.rule.text : s.text;
        lines.push(`    ${nsLabel(snapshot, s.namespace)}: ${where}: ${what} (verdict ${s.verdict})`);
      }
    }
    if (w.kernel.why) lines.push(`  note: ${w.kernel.why}`);
    for (const m of w.comparison.modelOnly) lines.push(`  model only: ${m}`);
    for (const k of w.comparison.kernelOnly) lines.push(`  kernel only: ${k}`);
    lines.push(`  verdicts: model ${w.comparison.verdicts.model}; kernel ${w.comparison.verdicts.kernel}`);
  }
  lines.push('', 'the model:', renderTrace(snapshot, w.result));
  return `${lines.join('\n')}\n`;
}
