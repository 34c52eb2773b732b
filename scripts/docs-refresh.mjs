// Copies what the last test run measured into the tracked docs, on purpose: the trace scenario table
// (out/reports/trace-scenarios.md) into docs/TRACE.md, and the README's pictures (out/screenshots/) into
// test/e2e/screenshots/. Tests themselves never write tracked files, so a clone stays clean after `npm test`.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
for (const name of ['explorer-namespaces', 'explorer-nat-hover', 'topology']) {
  const from = join(root, 'out/screenshots', `${name}.png`);
  if (!existsSync(from)) continue;
  copyFileSync(from, join(root, 'test/e2e/screenshots', `${name}.png`));
  done.push(`test/e2e/screenshots/${name}.png`);
}
console.log(done.length ? `refreshed: ${done.join(', ')}` : 'nothing to refresh: run npm test first');
