// Copies what the last test run measured into the tracked docs, on purpose: the trace scenario table
// (out/reports/trace-scenarios.md) into docs/TRACE.md, the fuzz runs (out/reports/fuzz-runs.json) into
// docs/RELIABILITY.md, and the README's pictures (out/screenshots/) into
// test/e2e/screenshots/. Tests themselves never write tracked files, so a clone stays clean after `npm test`.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUZZ_START, documentedFuzzTable, fuzzTable } from './fuzz-table.mjs';

const root = new URL('..', import.meta.url).pathname;
const done = [];

const report = join(root, 'out/reports/trace-scenarios.md');
if (existsSync(report)) {
  const file = join(root, 'docs/TRACE.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- scenarios:start -->';
  const end = '<!-- scenarios:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < 0) throw new Error('docs/TRACE.md lost its scenario markers');
  writeFileSync(file, `${doc.slice(0, a + start.length)}\n${readFileSync(report, 'utf8').trimEnd()}\n${doc.slice(b)}`);
  done.push('docs/TRACE.md');
}
const table = fuzzTable(root);
if (table !== null) {
  const { doc, a, b } = documentedFuzzTable(root);
  writeFileSync(join(root, 'docs/RELIABILITY.md'), `${doc.slice(0, a + FUZZ_START.length)}\n${table}\n${doc.slice(b)}`);
  done.push('docs/RELIABILITY.md (fuzz runs)');
}
for (const name of [
  'explorer-namespaces',
  'explorer-nat-hover',
  'topology',
  'topology-light',
  'docker-names',
  'docker-topology-dark',
  'docker-topology-light',
  'capture',
]) {
  const from = join(root, 'out/screenshots', `${name}.png`);
  if (!existsSync(from)) continue;
  copyFileSync(from, join(root, 'test/e2e/screenshots', `${name}.png`));
  done.push(`test/e2e/screenshots/${name}.png`);
}
console.log(done.length ? `refreshed: ${done.join(', ')}` : 'nothing to refresh: run npm test first');
