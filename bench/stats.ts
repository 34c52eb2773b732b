// Small statistics the bench sections share: the median of a row's runs and their spread.

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** `min–max (N runs)` of a row's runs, with `ms` formatting each; empty for a single run. */
export function spreadOf(values: readonly number[], ms: (t: number) => string): string {
  return values.length > 1 ? `${ms(Math.min(...values))}–${ms(Math.max(...values))} (${values.length} runs)` : '';
}
