// `npm start [-- --port N] [--lab] [--folder DIR]`: builds the extension and serves it in code-server as an
// Extension Development Host on 127.0.0.1, printing the URL to open. Ctrl-C stops it (and the lab, if it started it).
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { ensureCodeServer, freePort, portIsFree, repoRoot, startCodeServer, workbenchUrl } from './code-server.mjs';

const args = process.argv.slice(2);
function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const wantLab = args.includes('--lab');
const folder = resolve(option('--folder') ?? repoRoot);
const DEFAULT_PORT = 8080;

function say(message) {
  console.log(`[start] ${message}`);
}

function node(argv, { capture = false } = {}) {
  const r = spawnSync(process.execPath, argv, {
    cwd: repoRoot,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout ?? '' };
}

async function choosePort() {
  const requested = option('--port');
  if (requested) {
    const port = Number(requested);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port: not a port: ${requested}`);
    if (!(await portIsFree(port))) throw new Error(`port ${port} is in use on 127.0.0.1`);
    return port;
  }
  if (await portIsFree(DEFAULT_PORT)) return DEFAULT_PORT;
  const port = await freePort();
  say(`port ${DEFAULT_PORT} is in use; using ${port}`);
  return port;
}

/** Starts the lab unless it is up already; returns the Docker-like netns folder it made, and whether we started it. */
function labUp() {
  say('building the lab');
  if (node(['scripts/build.mjs', '--only', 'lab']).status !== 0) throw new Error('building the lab failed');
  const before = node(['dist/lab.js', 'status'], { capture: true });
  const alreadyUp = before.stdout.startsWith('lab is up');
  if (alreadyUp) say('the lab is already up; leaving it running on exit');
  else if (node(['dist/lab.js', 'up']).status !== 0) throw new Error('`node dist/lab.js up` failed');
  const status = node(['dist/lab.js', 'status', '--json'], { capture: true });
  let dockerDir;
  try {
    const state = JSON.parse(status.stdout.slice(status.stdout.indexOf('{')));
    const docker = state.namespaces?.find((ns) => ns.kind === 'docker');
    if (docker?.path) dockerDir = dirname(docker.path);
  } catch {
    /* status without JSON: the default settings still show the named namespaces */
  }
  return { started: !alreadyUp, dockerDir };
}

let server;
let lab;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping code-server');
  await server?.stop();
  if (lab?.started) {
    say('taking the lab down');
    node(['dist/lab.js', 'down']);
  }
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  say('building the extension');
  if (node(['scripts/build.mjs']).status !== 0) throw new Error('build failed (node scripts/build.mjs)');
  if (wantLab) lab = labUp();
  await ensureCodeServer();
  const port = await choosePort();
  const settings = lab?.dockerDir ? { 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', lab.dockerDir] } : {};
  server = await startCodeServer({
    port,
    folder,
    userDataDir: join(repoRoot, '.vscode-test', 'user-data'),
    extensionsDir: join(repoRoot, '.vscode-test', 'extensions'),
    settings,
  });
  server.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`[start] code-server exited (${signal ?? code}):\n${server.output().slice(-3000)}`);
    shutdown(1);
  });
  const url = workbenchUrl({ port: server.port, folder, extensionDevelopmentPath: repoRoot });
  console.log('');
  console.log(
    'Netns Explorer is running in VS Code (code-server 4.100.3, Code 1.100.3) as an Extension Development Host.',
  );
  console.log(
    'Open this URL in a browser (from another machine: ssh -L ' +
      `${server.port}:127.0.0.1:${server.port}` +
      ' this-host):',
  );
  console.log('');
  console.log(`  ${url}`);
  console.log('');
  console.log(
    'After rebuilding (npm run build), run "Developer: Reload Window" in the browser. Ctrl-C stops the server' +
      (lab?.started ? ' and takes the lab down.' : '.'),
  );
} catch (err) {
  console.error(`[start] ${err.message}`);
  await shutdown(1);
}
