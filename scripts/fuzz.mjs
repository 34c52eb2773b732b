// `npm run fuzz`: the property tests (test/unit/fuzz-*.test.ts) with many more runs and a fresh seed; NX_FUZZ_RUNS /
// NX_FUZZ_SEED override.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = process.env.NX_FUZZ_RUNS ?? '50000';
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const files = readdirSync(join(root, 'out/test/unit'))
  .filter((n) => /^fuzz-.*\.test\.js$/.test(n))
  .map((n) => join('out/test/unit', n));
console.log(
  `fuzz: ${files.length} files, NX_FUZZ_RUNS=${runs} per property${process.env.NX_FUZZ_SEED ? `, seed ${process.env.NX_FUZZ_SEED}` : ', fresh seeds (printed on failure)'}`,
);
const r = spawnSync('npx', ['mocha', '--timeout', '0', '--enable-source-maps', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_FUZZ_RUNS: runs },
});
process.exit(r.status ?? 1);
