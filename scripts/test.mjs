// Runs every test suite (type check, unit, host/lab) and prints one summary line for all of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedFuzzTable, fuzzTable } from './fuzz-table.mjs';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function testFiles(dir, suffix = '.test.js') {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const name of readdirSync(abs)) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...testFiles(rel, suffix));
    else if (name.endsWith(suffix)) out.push(rel);
  }
  return out.sort();
}

// Each suite runs in its own mocha process; `host` suites need root and build real namespaces.
// `integration` runs inside VS Code's extension host and `e2e` drives the workbench, both in
// code-server (scripts/vscode-test.mjs; the first run installs it into .vscode-test/, about 90 s).
const suites = [
  { name: 'unit', dir: 'out/test/unit', timeout: 20000 },
  // The topology page alone in headless Chromium, under its CSP (test/webview/*.webview.ts).
  { name: 'webview', dir: 'out/test/webview', suffix: '.webview.js', timeout: 120000 },
  { name: 'host', dir: 'out/test/host', timeout: 120000 },
  {
    name: 'integration',
    dir: 'out/test/integration',
    suffix: '.it.js',
    command: ['scripts/vscode-test.mjs', 'integration', '--no-build'],
  },
  { name: 'e2e', dir: 'out/test/e2e', suffix: '.e2e.js', command: ['scripts/vscode-test.mjs', 'e2e', '--no-build'] },
].filter((s) => wanted.length === 0 || wanted.includes(s.name));

const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = [];

// A test deleted from test/ must not keep running from an old bundle: out/ is built afresh every run.
rmSync(join(root, 'out'), { recursive: true, force: true });
if (run('node', ['scripts/build.mjs']) !== 0) {
  broken.push('build');
  totals.failed += 1;
}
if (wanted.length === 0 && run('npx', ['tsc', '-p', '.', '--noEmit']) !== 0) {
  console.error('type check failed');
  totals.failed += 1;
  broken.push('typecheck');
} else if (wanted.length === 0) {
  totals.passed += 1; // the type check counts as one test
}
// Lint (eslint with the layer rules, prettier, the copy detector) before the unit suite; it counts as one test.
if (wanted.length === 0 || wanted.includes('lint')) {
  if (run('npm', ['run', '--silent', 'lint']) !== 0) {
    console.error('lint failed: npm run lint');
    totals.failed += 1;
    broken.push('lint');
  } else {
    totals.passed += 1;
  }
}

const statsDir = mkdtempSync(join(tmpdir(), 'nx-stats-'));
for (const suite of suites) {
  const files = testFiles(suite.dir, suite.suffix);
  if (files.length === 0) {
    // A suite that built to nothing would otherwise vanish from the count without a word.
    console.error(`suite ${suite.name}: no test files in ${suite.dir}`);
    broken.push(suite.name);
    totals.failed += 1;
    continue;
  }
  console.log(`\n=== suite: ${suite.name} (${files.length} files) ===`);
  const statsFile = join(statsDir, `${suite.name}.json`);
  const status = suite.command
    ? run('node', suite.command, { NX_STATS_FILE: statsFile })
    : run(
        'npx',
        [
          'mocha',
          '--reporter',
          join(root, 'scripts/mocha-reporter.cjs'),
          '--forbid-only',
          '--timeout',
          String(suite.timeout),
          '--enable-source-maps',
          ...files,
        ],
        { NX_STATS_FILE: statsFile },
      );
  if (!existsSync(statsFile)) {
    broken.push(suite.name);
    totals.failed += 1;
    continue;
  }
  const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  totals.passed += stats.passed;
  totals.failed += stats.failed;
  totals.skipped += stats.skipped;
  if (status !== 0 && stats.failed === 0) {
    broken.push(suite.name);
    totals.failed += 1;
  }
}
rmSync(statsDir, { recursive: true, force: true });

// docs/RELIABILITY.md's fuzz counts are what the unit suite ran, not typed: a stale table fails the run.
if (suites.some((s) => s.name === 'unit')) {
  const table = fuzzTable(root);
  const documented = documentedFuzzTable(root).table;
  if (table === null || table !== documented) {
    console.log(
      `\ndocs/RELIABILITY.md's fuzz table is not what the unit suite ran; run \`npm run docs:refresh\`.\nran:\n${table}\ndocumented:\n${documented}`,
    );
    broken.push('fuzz table');
    totals.failed += 1;
  } else totals.passed += 1;
}

if (broken.length) console.log(`\nsuites that did not finish cleanly: ${broken.join(', ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || broken.length > 0 ? 1 : 0);
