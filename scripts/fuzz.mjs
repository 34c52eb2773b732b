// `npm run fuzz`: the property tests (every test/unit file using fuzz-config.ts) with many more runs and a
// fresh seed; NX_FUZZ_RUNS / NX_FUZZ_SEED override.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = process.env.NX_FUZZ_RUNS ?? '50000';
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
// Every property file: any unit test that takes its settings from fuzz-config.ts, whatever it is called.
const files = readdirSync(join(root, 'test/unit'))
  .filter(
    (n) => n.endsWith('.test.ts') && readFileSync(join(root, 'test/unit', n), 'utf8').includes("from './fuzz-config'"),
  )
  .map((n) => join('out/test/unit', n.replace(/\.ts$/, '.js')));
console.log(
  `fuzz: ${files.length} files, NX_FUZZ_RUNS=${runs} per property${process.env.NX_FUZZ_SEED ? `, seed ${process.env.NX_FUZZ_SEED}` : ', fresh seeds (printed on failure)'}`,
);
const r = spawnSync('npx', ['mocha', '--timeout', '0', '--enable-source-maps', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_FUZZ_RUNS: runs },
});
// What ran, counted by the properties themselves (test/unit/fuzz-config.ts), not assumed from NX_FUZZ_RUNS.
const report = join(root, 'out/reports/fuzz-runs.json');
if (existsSync(report)) {
  const tally = JSON.parse(readFileSync(report, 'utf8'));
  const total = Object.values(tally).reduce((s, t) => s + t.run, 0);
  console.log(`fuzz: ${total.toLocaleString('en-US')} runs in ${Object.keys(tally).length} files`);
}
process.exit(r.status ?? 1);
