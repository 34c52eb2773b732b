// Installs (offline, cached) and runs code-server 4.100.3, VS Code 1.100.3's server and workbench, for `npm start` and
// the tests.
//
// Library:  ensureCodeServer(), startCodeServer({...}), workbenchUrl({...}), freePort(), portIsFree()
// CLI:      node scripts/code-server.mjs install | version | serve [--port N] [FOLDER]
//
// The install follows /work/shared/docs/real-vscode.md: code-server's own postinstall cannot run here
// (ripgrep's install script downloads from GitHub), so the package is unpacked and its native modules
// are rebuilt by hand. Every command is an argv array; nothing goes through a shell.
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(repoRoot, '.vscode-test', 'code-server');
export const packageDir = join(cacheDir, 'package');
export const entryJs = join(packageDir, 'out', 'node', 'entry.js');
const markerFile = join(cacheDir, `installed-${CODE_SERVER_VERSION}`);
const logFile = join(cacheDir, 'install.log');
// Our own config file, so code-server neither writes ~/.config/code-server/config.yaml nor reads a user's one.
export const configFile = join(cacheDir, 'config.yaml');

function writeConfigFile() {
  if (!existsSync(configFile)) writeFileSync(configFile, 'auth: none\ncert: false\n');
}

/** Settings that keep a fresh workbench quiet: no welcome page, tips, update checks, telemetry or trust prompts. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'chat.commandCenter.enabled': false,
};

function log(message) {
  console.log(`[code-server] ${message}`);
}

// npm sets npm_* variables for scripts run through it (`npm start`, `npm test`); the nested npm
// commands below must act on code-server's folders, not on this project's settings.
function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global_prefix|save|omit|include|production|ignore_scripts|only|dev|also))/i.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs argv in cwd, appending its output to the install log; rejects with the log's tail on failure. */
function runLogged(cmd, args, { cwd, env } = {}) {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n$ (cd ${cwd}) ${[cmd, ...args].join(' ')}\n`);
    const child = spawn(cmd, args, { cwd, env: env ?? cleanNpmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let captured = '';
    const keep = (chunk) => {
      out.write(chunk);
      captured = (captured + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      out.end();
      reject(err);
    });
    child.on('close', (code, signal) => {
      out.end();
      if (code === 0) resolvePromise(captured);
      else
        reject(
          new Error(
            `${[cmd, ...args].join(' ')} (in ${cwd}) failed with ${signal ?? `exit code ${code}`}; see ${logFile}\n${captured}`,
          ),
        );
    });
  });
}

function symlinkForce(target, path) {
  try {
    lstatSync(path);
    unlinkSync(path);
  } catch {
    /* absent */
  }
  symlinkSync(target, path);
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Prints code-server's version line, or throws if it does not start. */
export async function codeServerVersion() {
  const out = await new Promise((resolvePromise, reject) => {
    writeConfigFile();
    const child = spawn(process.execPath, [entryJs, '--config', configFile, '--version'], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c) => {
      text += c;
    });
    child.stderr.on('data', (c) => {
      text += c;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(text) : reject(new Error(`code-server --version failed (${code}):\n${text}`)),
    );
  });
  return out.split('\n').find((line) => line.includes(' with Code ')) ?? out.trim();
}

/**
 * Installs code-server into <repo>/.vscode-test/code-server unless a previous install finished
 * (marker file written only after `--version` worked). Returns the path of entry.js.
 */
export async function ensureCodeServer({ quiet = false } = {}) {
  if (existsSync(markerFile) && existsSync(entryJs)) {
    if (!quiet) log(`using cached code-server ${CODE_SERVER_VERSION} in ${cacheDir}`);
    return entryJs;
  }
  // One installer at a time (say `npm start` and `npm test` at once on a fresh checkout).
  const lock = `${cacheDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 2) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (lockIsStale(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) log(`waiting for another process installing code-server (${lock})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (existsSync(markerFile) && existsSync(entryJs)) return entryJs; // the other process finished it
    return await install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// A lock is stale when its owner died (Ctrl-C mid-install) or it is older than 10 minutes.
function lockIsStale(lock) {
  let pid = 0;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8')) || 0;
  } catch {
    /* not written yet */
  }
  if (pid) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
  }
  return Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 10 * 60 * 1000;
}

async function install() {
  const rg = findOnPath('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed: apt-get install -y ripgrep');

  const started = Date.now();
  const step = (text) => log(`${text}  (+${Math.round((Date.now() - started) / 1000)}s)`);
  log(`installing code-server ${CODE_SERVER_VERSION} into ${cacheDir} (about 90 s; log: ${logFile})`);
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });

  const vscodeDir = join(packageDir, 'lib', 'vscode');
  const rebuildEnv = cleanNpmEnv({ npm_config_yes: 'true' });

  step(`npm pack code-server@${CODE_SERVER_VERSION}`);
  const packed = await runLogged(
    'npm',
    ['pack', `code-server@${CODE_SERVER_VERSION}`, '--pack-destination', cacheDir, '--silent'],
    { cwd: cacheDir },
  );
  const tarball = join(cacheDir, packed.trim().split('\n').pop().trim());
  if (!existsSync(tarball)) throw new Error(`npm pack did not produce ${tarball}`);

  step('extracting');
  await runLogged('tar', ['xzf', tarball, '-C', cacheDir], { cwd: cacheDir });
  rmSync(tarball, { force: true });

  step('npm install in lib/vscode (--omit=dev --ignore-scripts)');
  await runLogged('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: vscodeDir });

  step(`linking ripgrep to ${rg}`);
  mkdirSync(join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin'), { recursive: true });
  symlinkForce(rg, join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));

  step('rebuilding native modules (node-pty, spdlog, kerberos, native-watchdog, @parcel/watcher, deviceid)');
  await runLogged(
    'npm',
    ['rebuild', 'node-pty', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid'],
    { cwd: vscodeDir, env: rebuildEnv },
  );

  step('symlinks');
  symlinkForce('node_modules', join(vscodeDir, 'node_modules.asar'));
  symlinkForce('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  symlinkForce('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));

  step('npm install in lib/vscode/extensions');
  await runLogged('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: join(vscodeDir, 'extensions'),
  });

  step('npm install in package/');
  await runLogged('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: packageDir });

  step('rebuilding argon2');
  await runLogged('npm', ['rebuild', 'argon2'], { cwd: packageDir, env: rebuildEnv });

  const version = await codeServerVersion();
  if (!version.includes(CODE_SERVER_VERSION)) throw new Error(`unexpected code-server version: ${version}`);
  writeFileSync(markerFile, `${version}\n`);
  step(`installed: ${version}`);
  return entryJs;
}

/** True when nothing listens on host:port. */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, host, () => server.close(() => resolvePromise(true)));
  });
}

/** A port the kernel says is free right now on host. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/** Fills in the quiet settings that the user-data-dir's settings.json does not set already. */
export function writeQuietSettings(userDataDir, extra = {}) {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  let current = {};
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return file;
    } // hand-edited JSONC: leave it alone
  }
  writeFileSync(file, `${JSON.stringify({ ...quietSettings, ...extra, ...current }, null, 2)}\n`);
  return file;
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it listens.
 * `env` is added to the server's environment; the extension host inherits it (that is how tests
 * running inside VS Code receive NX_STATS_FILE and friends).
 * Returns { url, port, process, output(), stop() }.
 */
export async function startCodeServer({
  port,
  folder,
  userDataDir,
  extensionsDir,
  env = {},
  settings = {},
  echo = false,
  timeoutMs = 60000,
} = {}) {
  if (!existsSync(entryJs)) throw new Error('code-server is not installed; call ensureCodeServer() first');
  if (!folder || !userDataDir || !extensionsDir)
    throw new Error('startCodeServer needs folder, userDataDir and extensionsDir');
  const chosen = port ?? (await freePort());
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeQuietSettings(userDataDir, settings);

  writeConfigFile();
  const args = [
    entryJs,
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${chosen}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userDataDir,
    folder,
  ];
  // detached: its own process group, so stop() also ends the extension host and pty host it forks.
  const child = spawn(process.execPath, args, {
    cwd: packageDir,
    env: { ...cleanNpmEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-20000);
    if (echo) process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolvePromise) =>
    child.once('exit', (code, signal) => resolvePromise({ code, signal })),
  );

  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      killGroup(child, 'SIGKILL');
      reject(new Error(`code-server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      if (output.includes('HTTP server listening on')) {
        cleanup();
        resolvePromise();
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`code-server exited (${signal ?? code}) before listening:\n${output}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    onData();
  });

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL'); // stragglers in the group (extension host, pty host)
    })();
    return stopping;
  };
  return { url: `http://127.0.0.1:${chosen}/`, port: chosen, process: child, output: () => output, exited, stop };
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * The workbench URL that opens `folder` with the extension at `extensionDevelopmentPath` loaded as an
 * Extension Development Host; with `extensionTestsPath` the window runs that test entry's `run()`
 * inside the extension host instead. Paths are absolute paths on the server's machine.
 * `env` is not part of the payload (the web workbench has no way to pass it): give it to startCodeServer.
 */
export function workbenchUrl({ port, host = '127.0.0.1', folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (path) => `vscode-remote://${host}:${port}${resolve(path)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const params = new URLSearchParams();
  if (folder) params.set('folder', resolve(folder));
  if (payload.length) params.set('payload', JSON.stringify(payload));
  const query = params.toString();
  return `http://${host}:${port}/${query ? `?${query}` : ''}`;
}

// CLI
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command = 'install', ...rest] = process.argv.slice(2);
  try {
    if (command === 'install') {
      await ensureCodeServer();
      log(await codeServerVersion());
    } else if (command === 'version') {
      await ensureCodeServer({ quiet: true });
      console.log(await codeServerVersion());
    } else if (command === 'serve') {
      const portArg = rest.indexOf('--port');
      const port = portArg >= 0 ? Number(rest[portArg + 1]) : undefined;
      const folder = resolve(
        rest.filter((a, i) => !a.startsWith('--') && (portArg < 0 || i !== portArg + 1))[0] ?? repoRoot,
      );
      await ensureCodeServer();
      const server = await startCodeServer({
        port,
        folder,
        userDataDir: join(repoRoot, '.vscode-test', 'user-data'),
        extensionsDir: join(repoRoot, '.vscode-test', 'extensions'),
      });
      log(`listening: ${workbenchUrl({ port: server.port, folder })}`);
      const quit = async () => {
        await server.stop();
        process.exit(0);
      };
      process.on('SIGINT', quit);
      process.on('SIGTERM', quit);
    } else {
      console.error('usage: node scripts/code-server.mjs install | version | serve [--port N] [FOLDER]');
      process.exit(2);
    }
  } catch (err) {
    console.error(`[code-server] ${err.message}`);
    process.exit(1);
  }
}
