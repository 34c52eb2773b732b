// Runs the suites that need a real VS Code, in code-server 4.100.3 (= Code 1.100.3) driven by headless Chromium.
//
//   node scripts/vscode-test.mjs integration [--no-build]   test/integration/*.it.ts inside the extension host
//   node scripts/vscode-test.mjs e2e [--no-build] [mocha args]   test/e2e/*.e2e.ts: mocha in Node driving the workbench
//
// Both write {passed, failed, skipped} to $NX_STATS_FILE (scripts/test.mjs adds them to its summary line)
// and exit non-zero when a test failed or the run broke.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import { ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from './code-server.mjs';

const [mode, ...rest] = process.argv.slice(2);
const noBuild = rest.includes('--no-build');
const extraArgs = rest.filter((a) => a !== '--no-build');
const integrationTimeoutMs = 10 * 60 * 1000;
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// Workbench chatter that says nothing about the tests; NX_VSCODE_VERBOSE=1 shows it.
const verbose = Boolean(process.env.NX_VSCODE_VERBOSE);
const workbenchNoise = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /open-vsx\.org/, // the extension gallery is unreachable offline: harmless
];

function say(message) {
  console.log(`[vscode-test] ${message}`);
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findFiles(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out.sort();
}

function build() {
  if (noBuild) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

/** A throwaway user-data-dir and extensions-dir, so every run starts from a fresh profile. */
function scratchDirs(name) {
  const base = mkdtempSync(join(tmpdir(), `nx-${name}-`));
  return { base, userDataDir: join(base, 'user-data'), extensionsDir: join(base, 'extensions') };
}

async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.NX_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
  });
}

async function runIntegration() {
  const entry = join(repoRoot, 'out/test/integration/index.js');
  if (!existsSync(entry))
    throw new Error(`${relative(repoRoot, entry)} is missing: is there a test/integration/index.ts?`);
  const suites = findFiles(join(repoRoot, 'out/test/integration'), '.it.js');
  say(`integration: ${suites.length} suite file(s) inside the extension host`);

  const started = Date.now();
  const dirs = scratchDirs('integration');
  const statsFile = process.env.NX_STATS_FILE ?? join(dirs.base, 'stats.json');
  // The extension host is forked by the server and inherits its environment: that is how the test
  // entry learns NX_STATS_FILE.
  const server = await startCodeServer({ folder: repoRoot, ...dirs, env: { NX_STATS_FILE: statsFile } });
  say(`code-server up on port ${server.port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    let finish;
    const exitCode = new Promise((resolve) => {
      finish = resolve;
    });
    // The workbench forwards its own console and the extension host's (mocha's spec output) here.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      if (!verbose && workbenchNoise.some((re) => re.test(text))) return;
      if (type === 'error' || type === 'warn') process.stderr.write(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    page.on('pageerror', (err) => console.error(`[workbench] ${err}`));
    const url = workbenchUrl({
      port: server.port,
      folder: repoRoot,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: entry,
    });
    await page.goto(url);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), integrationTimeoutMs).unref());
    const code = await Promise.race([exitCode, timeout]);
    if (code === 'timeout') {
      console.error(
        `[vscode-test] the extension host tests did not finish within ${integrationTimeoutMs / 60000} minutes`,
      );
      console.error(server.output().slice(-3000));
      return 1;
    }
    say(`extension host exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (code !== 0 && !existsSync(statsFile)) console.error(server.output().slice(-3000));
    return code;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
    rmSync(dirs.base, { recursive: true, force: true });
  }
}

async function runE2e() {
  const files = findFiles(join(repoRoot, 'out/test/e2e'), '.e2e.js');
  if (files.length === 0) {
    say('e2e: no out/test/e2e/**/*.e2e.js');
    return 0;
  }
  say(`e2e: ${files.length} file(s) driving the workbench with Playwright`);
  const started = Date.now();
  const dirs = scratchDirs('e2e');
  const server = await startCodeServer({ folder: repoRoot, ...dirs });
  say(`code-server up on port ${server.port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const mocha = join(repoRoot, 'node_modules/mocha/bin/mocha.js');
    const args = [
      mocha,
      '--reporter',
      join(repoRoot, 'scripts/mocha-reporter.cjs'),
      '--forbid-only',
      '--timeout',
      '120000',
      '--enable-source-maps',
      ...extraArgs,
      ...files.map((f) => relative(repoRoot, f)),
    ];
    return await new Promise((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: repoRoot,
        stdio: 'inherit',
        env: {
          ...process.env,
          NX_CODE_SERVER_PORT: String(server.port),
          NX_CODE_SERVER_URL: server.url,
          NX_REPO_ROOT: repoRoot,
          NX_WORKSPACE: repoRoot,
        },
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await server.stop();
    rmSync(dirs.base, { recursive: true, force: true });
    say(`e2e finished after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (mode !== 'integration' && mode !== 'e2e') {
  console.error('usage: node scripts/vscode-test.mjs integration|e2e [--no-build] [mocha args for e2e]');
  process.exit(2);
}
/** Pids of `ip monitor` processes (the extension's auto refresh): none may outlive the extension host. */
function monitorPids() {
  const out = new Set();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === 'monitor') {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ip') out.add(Number(pid));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits for helpers the run started to go; kills and names any that stay. */
async function leftoverMonitors(before) {
  for (let i = 0; i < 30; i++) {
    const left = [...monitorPids()].filter((p) => !before.has(p));
    if (left.length === 0) return 0;
    if (i === 29) {
      for (const p of left) process.kill(p, 'SIGKILL');
      console.error(
        `[vscode-test] ${left.length} ip monitor process(es) outlived the extension host: ${left.join(', ')}`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 0;
}

try {
  build();
  await ensureCodeServer();
  const before = monitorPids();
  const code = mode === 'integration' ? await runIntegration() : await runE2e();
  const leaked = await leftoverMonitors(before);
  process.exit(code || leaked);
} catch (err) {
  console.error(`[vscode-test] ${err.stack ?? err}`);
  process.exit(1);
}
