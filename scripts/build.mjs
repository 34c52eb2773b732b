// Bundles the extension, the CLI, the lab and the test suites with esbuild (CommonJS, Node 20).
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

const jobs = {
  extension: () => build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], minify: true }),
  cli: () => build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  lab: () => build({ ...common, entryPoints: ['test/lab/main.ts'], outfile: 'dist/lab.js' }),
  tests: () => build({
    ...common,
    entryPoints: findTests(join(root, 'test')).map((p) => relative(root, p)),
    outdir: 'out',
    outbase: '.',
    external: ['vscode', 'mocha'],
  }),
};

const selected = only ? [only] : Object.keys(jobs);
await Promise.all(selected.map((name) => jobs[name]()));
