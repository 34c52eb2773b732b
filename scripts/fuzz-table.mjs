// The fuzz table of docs/RELIABILITY.md, made from what the unit suite ran (out/reports/fuzz-runs.json, written by
// test/unit/fuzz-config.ts): runs per `npm test` and per `npm run fuzz`, by property file, with the totals.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FUZZ_START = '<!-- fuzz-runs:start -->';
export const FUZZ_END = '<!-- fuzz-runs:end -->';

const n = (x) => x.toLocaleString('en-US');

/** The Markdown table, or null when the unit suite has not run. */
export function fuzzTable(root) {
  const file = join(root, 'out/reports/fuzz-runs.json');
  if (!existsSync(file)) return null;
  const tally = JSON.parse(readFileSync(file, 'utf8'));
  const names = Object.keys(tally).sort();
  const sum = (key) => names.reduce((s, k) => s + tally[k][key], 0);
  return [
    '| property file | properties | runs per `npm test` (fixed seeds) | runs per `npm run fuzz` |',
    '|---|---|---|---|',
    ...names.map((k) => `| ${k} | ${tally[k].properties} | ${n(tally[k].test)} | ${n(tally[k].fuzz)} |`),
    `| **total** | ${sum('properties')} | **${n(sum('test'))}** | **${n(sum('fuzz'))}** |`,
  ].join('\n');
}

/** The table as docs/RELIABILITY.md holds it between its markers. */
export function documentedFuzzTable(root) {
  const doc = readFileSync(join(root, 'docs/RELIABILITY.md'), 'utf8');
  const a = doc.indexOf(FUZZ_START);
  const b = doc.indexOf(FUZZ_END);
  if (a < 0 || b < 0) throw new Error('docs/RELIABILITY.md lost its fuzz-runs markers');
  return { doc, a, b, table: doc.slice(a + FUZZ_START.length, b).trim() };
}
