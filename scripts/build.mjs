// Bundles the extension, the CLI, the lab and the test suites with esbuild (CommonJS, Node 20).
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

function findTests(dir, suffix = '.test.ts') {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

// Suites run inside VS Code's extension host (test/integration, entry index.ts) or drive the
// workbench from Node with Playwright (test/e2e); see scripts/vscode-test.mjs.
function integrationEntries() {
  const dir = join(root, 'test/integration');
  const entries = findTests(dir, '.it.ts');
  if (existsSync(join(dir, 'index.ts'))) entries.push(join(dir, 'index.ts'));
  return entries.map((p) => relative(root, p));
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
  // The benchmarks run the tree code in plain Node: `vscode` resolves to a small shim. The topology
  // section drives the page's own bundle in Chromium, so that is built too.
  bench: () =>
    Promise.all([
      build({
        ...common,
        entryPoints: ['bench/bench.ts'],
        outfile: 'dist/bench.js',
        alias: { vscode: './bench/vscodeShim.ts' },
        external: ['playwright-core'],
      }),
      jobs.webview(),
      // The CLI (and the matrix's worker thread), which the snapshot and reach sections run.
      jobs.cli(),
    ]),
  extension: () =>
    build({
      ...common,
      entryPoints: ['src/extension/extension.ts'],
      outfile: 'dist/extension.js',
      external: ['vscode'],
      minify: true,
    }),
  cli: () =>
    Promise.all([
      build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
      // The reachability matrix's worker thread (src/host/reach/parallel.ts), for the CLI and the extension alike.
      build({ ...common, entryPoints: ['src/host/reach/worker.ts'], outfile: 'dist/reachWorker.js', minify: true }),
    ]),
  lab: () => build({ ...common, entryPoints: ['test/lab/main.ts'], outfile: 'dist/lab.js' }),
  // Unit and host tests run in plain Node: `vscode` is a small shim whose MarkdownString escapes as VS Code's does,
  // so tree items and their tooltips can be built and rendered (test/unit/tooltips.test.ts).
  tests: () =>
    build({
      ...common,
      entryPoints: findTests(join(root, 'test')).map((p) => relative(root, p)),
      outdir: 'out',
      outbase: '.',
      alias: { vscode: './test/unit/vscodeShim.ts' },
      external: ['mocha', 'eslint'],
    }),
  integration: () =>
    build({
      ...common,
      entryPoints: integrationEntries(),
      outdir: 'out',
      outbase: '.',
      external: ['vscode', 'mocha', 'eslint'],
    }),
  e2e: () =>
    build({
      ...common,
      entryPoints: findTests(join(root, 'test/e2e'), '.e2e.ts').map((p) => relative(root, p)),
      outdir: 'out',
      outbase: '.',
      external: ['playwright-core', 'mocha'],
    }),
  // The topology page: a browser bundle of its own (iife, no Node), and its stylesheet; both served from dist/.
  webview: () =>
    Promise.all([
      build({
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'chrome120',
        minify: true,
        sourcemap: 'linked',
        logLevel: 'warning',
        absWorkingDir: root,
        entryPoints: ['webview/main.ts'],
        outfile: 'dist/webview.js',
      }),
      build({
        bundle: true,
        minify: true,
        logLevel: 'warning',
        absWorkingDir: root,
        entryPoints: ['media/topology.css'],
        outfile: 'dist/webview.css',
      }),
      // ELK's own worker script, which the page starts off its main thread (webview/elkLayout.ts).
      mkdir(join(root, 'dist'), { recursive: true }).then(() =>
        copyFile(join(root, 'node_modules/elkjs/lib/elk-worker.min.js'), join(root, 'dist/elk-worker.js')),
      ),
      // The reachability and capture pages: each its own small bundle and stylesheet.
      ...['reach', 'capture'].flatMap((page) => [
        build({
          bundle: true,
          platform: 'browser',
          format: 'iife',
          target: 'chrome120',
          minify: true,
          sourcemap: 'linked',
          logLevel: 'warning',
          absWorkingDir: root,
          entryPoints: [`webview/${page}.ts`],
          outfile: `dist/${page}.js`,
        }),
        build({
          bundle: true,
          minify: true,
          logLevel: 'warning',
          absWorkingDir: root,
          entryPoints: [`media/${page}.css`],
          outfile: `dist/${page}.css`,
        }),
      ]),
    ]),
  // The page alone in headless Chromium (test/webview/*.webview.ts), run by mocha in Node.
  webviewTests: () =>
    build({
      ...common,
      entryPoints: findTests(join(root, 'test/webview'), '.webview.ts').map((p) => relative(root, p)),
      outdir: 'out',
      outbase: '.',
      external: ['playwright-core', 'mocha'],
    }),
};

const selected = only ? [only] : Object.keys(jobs).filter((name) => name !== 'bench');
await Promise.all(selected.map((name) => jobs[name]()));
