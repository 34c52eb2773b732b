// Containers by name against a real Docker daemon (Debian's docker.io), confined to a lab namespace with its own
// containerd, sockets, data and exec roots (../shared/docs/real-docker.md): the root namespace and any Docker of the
// machine are never touched. An image is made from Debian's static busybox with `docker import` (no registry).
// Containers in bridge mode with published ports (a range, 127.0.0.1, UDP), on a user-defined network with Compose
// labels, in host, container: and none modes; each is checked against `docker inspect`, real traffic goes through
// a published port, and a stopped daemon leaves the kernel view plus one line.
// Objects: namespace nxd-dockerd, /run/nxd, /var/lib/nxd-*, containers and a network named nxd-*; all removed after.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { ExecRunner } from '../../src/host/runner';
import { requireRoot, runCli } from './helpers';

const NS = 'nxd-dockerd';
const RUN = '/run/nxd';
const SOCK = `${RUN}/docker.sock`;
const HOST = `unix://${SOCK}`;
const NETNS_DIR = `${RUN}/exec/netns`;
const runner = new ExecRunner({ timeoutMs: 120_000 });

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const docker = (...args: string[]) => must(['docker', '-H', HOST, ...args]);

async function eventually(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function startIn(argv: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn('nsenter', [`--net=/run/netns/${NS}`, '--', ...argv], {
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  child.unref();
  return child;
}

function stop(child: ChildProcess | null): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(child.pid!, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

type JsonNamespace = Snapshot['namespaces'][number] & { containers: { name: string; runtime: string; id: string }[] };
type Json = Omit<Snapshot, 'namespaces'> & {
  namespaces: JsonNamespace[];
  networks: { name: string; bridge: { namespace: string | null; name: string } | null }[];
  runtimes: { runtime: string; status: string; message: string }[];
};

describe('containers by name on a real Docker daemon', function () {
  this.timeout(300_000);
  let containerd: ChildProcess | null = null;
  let dockerd: ChildProcess | null = null;
  let work = '';

  async function cleanup(): Promise<void> {
    if (existsSync(SOCK)) {
      const ids = (await runner.run(['docker', '-H', HOST, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await runner.run(['docker', '-H', HOST, 'rm', '-f', ...ids]);
    }
    await stop(dockerd);
    await stop(containerd);
    dockerd = containerd = null;
    await runner.run(['ip', 'netns', 'del', NS]);
    // dockerd bind-mounts each sandbox there; one it did not unmount (killed) would keep the folder busy.
    if (existsSync(NETNS_DIR))
      for (const f of readdirSync(NETNS_DIR)) await runner.run(['umount', '-l', join(NETNS_DIR, f)]);
    rmSync(RUN, { recursive: true, force: true });
    for (const d of ['/var/lib/nxd-docker', '/var/lib/nxd-containerd']) rmSync(d, { recursive: true, force: true });
  }

  before(async function () {
    requireRoot(this);
    if (!existsSync('/usr/sbin/dockerd') || !existsSync('/bin/busybox'))
      assert.fail('docker.io and busybox-static are not installed (.ci/run installs them)');
    await cleanup();
    work = mkdtempSync(join(tmpdir(), 'nxd-'));
    await must(['ip', 'netns', 'add', NS]);
    await must(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
    mkdirSync(RUN, { recursive: true });
    containerd = startIn(
      [
        'containerd',
        '--address',
        `${RUN}/containerd.sock`,
        '--root',
        '/var/lib/nxd-containerd',
        '--state',
        `${RUN}/containerd`,
      ],
      join(work, 'containerd.log'),
    );
    await eventually(async () => existsSync(`${RUN}/containerd.sock`), 'containerd');
    dockerd = startIn(
      [
        'dockerd',
        '--containerd',
        `${RUN}/containerd.sock`,
        '--data-root',
        '/var/lib/nxd-docker',
        '--exec-root',
        `${RUN}/exec`,
        '--pidfile',
        `${RUN}/docker.pid`,
        '--host',
        HOST,
        // IPv6 bindings too: Docker writes ip6tables DNAT rules beside the IPv4 ones.
        '--ipv6',
        '--fixed-cidr-v6',
        'fd00:d0c::/64',
        '--experimental',
        '--ip6tables',
      ],
      join(work, 'dockerd.log'),
    );
    await eventually(async () => (await runner.run(['docker', '-H', HOST, 'version'])).failure === null, 'dockerd');
    // An image from Debian's static busybox: sh, sleep and httpd are all it needs.
    const root = join(work, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    for (const a of ['sh', 'sleep', 'httpd']) symlinkSync('busybox', join(root, 'bin', a));
    mkdirSync(join(root, 'www'));
    await must(['tar', '-C', root, '-cf', join(work, 'rootfs.tar'), '.']);
    await docker('import', join(work, 'rootfs.tar'), 'nxd/busybox');
    await docker('network', 'create', 'nxd-appnet');
    const run = (...args: string[]) => docker('run', '-d', ...args);
    await run('--name', 'nxd-web', '-p', '18280:80', 'nxd/busybox', 'httpd', '-f', '-p', '80', '-h', '/www');
    await run(
      '--name',
      'nxd-range',
      '-p',
      '30100-30102:30100-30102',
      '-p',
      '127.0.0.1:18281:81/udp',
      'nxd/busybox',
      'sleep',
      '3600',
    );
    await run(
      '--name',
      'nxd-api',
      '--network',
      'nxd-appnet',
      '--label',
      'com.docker.compose.project=nxdshop',
      '--label',
      'com.docker.compose.service=api',
      'nxd/busybox',
      'sleep',
      '3600',
    );
    await run('--name', 'nxd-hostmode', '--network', 'host', 'nxd/busybox', 'sleep', '3600');
    await run('--name', 'nxd-side', '--network', 'container:nxd-web', 'nxd/busybox', 'sleep', '3600');
    await run('--name', 'nxd-none', '--network', 'none', 'nxd/busybox', 'sleep', '3600');
  });

  after(async () => {
    await cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const snapshot = async (): Promise<Json> => {
    const r = await runCli(['snapshot', '--json', '--docker-host', HOST, '--docker-netns-dir', NETNS_DIR]);
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout) as Json;
  };

  it('puts every running container, by name, in the namespace its process is in (docker inspect agrees)', async () => {
    const s = await snapshot();
    const dockerStatus = s.runtimes.find((r) => r.runtime === 'docker');
    assert.equal(dockerStatus?.status, 'ok', dockerStatus?.message);
    assert.deepEqual(
      s.runtimes.map((r) => r.runtime),
      ['docker', 'podman', 'containerd'],
      'one line per runtime asked',
    );
    const daemonNs = String(statSync(`/run/netns/${NS}`).ino);
    const where = (name: string) => s.namespaces.find((n) => n.containers.some((c) => c.name === name))?.id;
    for (const name of ['nxd-web', 'nxd-range', 'nxd-api', 'nxd-none']) {
      const sandbox = (await docker('inspect', '-f', '{{.NetworkSettings.SandboxKey}}', name)).trim();
      assert.equal(where(name), String(statSync(sandbox).ino), `${name} is in the namespace of its sandbox`);
    }
    const pid = (await docker('inspect', '-f', '{{.State.Pid}}', 'nxd-web')).trim();
    assert.match((await must(['readlink', `/proc/${pid}/ns/net`])).trim(), new RegExp(`\\[${where('nxd-web')}\\]`));
    assert.equal(where('nxd-side'), where('nxd-web'), '--network container:nxd-web shares its namespace');
    assert.equal(where('nxd-hostmode'), daemonNs, "a host-mode container is in the daemon's namespace");
    const web = s.namespaces.find((n) => n.id === where('nxd-web'))!;
    assert.deepEqual(web.containers.map((c) => c.name).sort(), ['nxd-side', 'nxd-web']);
    const appnet = s.networks.find((n) => n.name === 'nxd-appnet');
    assert.match(appnet?.bridge?.name ?? '', /^br-[0-9a-f]{12}$/);
    assert.equal(appnet?.bridge?.namespace, daemonNs, 'the bridge lives where dockerd does');
    const mapping = s.portMappings.find((m) => m.hostPort === 18280);
    assert.equal((mapping as unknown as { container: { name: string } | null }).container?.name, 'nxd-web');
  });

  it('prints names first in the text snapshot, and the network beside its bridge', async () => {
    const r = await runCli(['snapshot', '--docker-host', HOST, '--docker-netns-dir', NETNS_DIR]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^RUNTIMES\n {2}docker unix:\/\/\/run\/nxd\/docker\.sock: ok \(20\.10/);
    assert.match(r.stdout, /\n {2}nxd-web, nxd-side {2}\[docker, mode container\]/);
    assert.match(
      r.stdout,
      /\n {2}nxd-api {2}\[docker, mode bridge\].*\n {4}container: docker nxd-api \S+ nxd\/busybox/,
    );
    assert.match(
      r.stdout,
      new RegExp(`\\n  ${NS} {2}\\[named, mode [a-z]+\\][^\\n]*\\n {4}host-mode containers here: docker nxd-hostmode`),
    );
    assert.match(r.stdout, /\n {2}nxd-appnet \(br-[0-9a-f]{12}\)\t/);
    // Docker's embedded DNS is shown under its container, not as a published port.
    assert.match(r.stdout, /\n {4}embedded DNS resolver: (tcp|udp) 127\.0\.0\.11:53 → 127\.0\.0\.11:\d+/);
    assert.doesNotMatch(r.stdout.split('PUBLISHED PORTS')[1] ?? '', /127\.0\.0\.11/);
    assert.match(
      r.stdout,
      /0\.0\.0\.0:18280, \[::\]:18280\/tcp → 172\.\d+\.\d+\.\d+:80, \[fd00:d0c::[0-9a-f:]+\]:80 \(nxd-web, nxd-side\)/,
    );
  });

  it('covers every binding docker port lists with exactly one port row, like docker ps', async () => {
    const r = await runCli(['snapshot', '--docker-host', HOST, '--docker-netns-dir', NETNS_DIR]);
    const section = (r.stdout.split('PUBLISHED PORTS\n')[1] ?? '').split('\n\n')[0]!.split('\n').filter(Boolean);
    // `  0.0.0.0:30100-30102/tcp → 172.17.0.3:30100-30102 (nxd-range)  [...]`: its bindings.
    const rows = section.map((line) => {
      const [binding = '', proto = ''] = line.trim().split(' → ')[0]!.split('/');
      return {
        line,
        proto,
        binds: binding.split(', ').map((b) => {
          const m = /^(.*):(\d+)(?:-(\d+))?$/.exec(b)!;
          return { ip: m[1]!.replace(/^\[|\]$/g, ''), lo: Number(m[2]), hi: Number(m[3] ?? m[2]) };
        }),
      };
    });
    let bindings = 0;
    for (const name of ['nxd-web', 'nxd-range']) {
      for (const line of (await docker('port', name)).split('\n').filter(Boolean)) {
        // `30100/tcp -> 0.0.0.0:30100` (or `[::]:30100`)
        const m = /^\d+\/(\w+) -> (.*):(\d+)$/.exec(line.trim());
        assert.ok(m, line);
        const [proto, ip, port] = [m[1]!, m[2]!.replace(/^\[|\]$/g, ''), Number(m[3])];
        const covering = rows.filter(
          (row) => row.proto === proto && row.binds.some((b) => b.ip === ip && port >= b.lo && port <= b.hi),
        );
        assert.equal(covering.length, 1, `${name} ${line}: ${covering.map((c) => c.line).join(' | ')}`);
        bindings++;
      }
    }
    assert.ok(bindings >= 5, `${bindings} bindings`);
    assert.ok(
      rows.some((row) => /30100-30102\/tcp/.test(row.line)),
      'the range is one row',
    );
  });

  it('trace and map take a container name wherever a namespace is asked', async () => {
    const trace = await runCli([
      'trace',
      '--in',
      'nxd-web',
      '--from',
      'nxd-side',
      '--to',
      '127.0.0.1:80',
      '--docker-host',
      HOST,
      '--docker-netns-dir',
      NETNS_DIR,
    ]);
    assert.equal(trace.exitCode, 0, trace.stderr);
    assert.match(trace.stdout, /^trace: tcp from nxd-web, nxd-side to 127\.0\.0\.1:80/);
    const ls = await runCli([
      'map',
      'ls',
      '--in',
      'nxd-api',
      '--json',
      '--docker-host',
      HOST,
      '--docker-netns-dir',
      NETNS_DIR,
    ]);
    assert.equal(ls.exitCode, 0, ls.stderr);
    assert.deepEqual(JSON.parse(ls.stdout), [], 'the embedded DNS redirect is no published port');
    const none = await runCli([
      'map',
      'ls',
      '--in',
      'nxd-nosuch',
      '--docker-host',
      HOST,
      '--docker-netns-dir',
      NETNS_DIR,
    ]);
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /no namespace called "nxd-nosuch" \(give a container name/);
  });

  it('real traffic reaches the container through its published port', async () => {
    const page = await runner.run(
      ['nsenter', `--net=/run/netns/${NS}`, '--', '/bin/busybox', 'wget', '-q', '-O', '-', 'http://127.0.0.1:18280/'],
      { timeoutMs: 20_000 },
    );
    // busybox httpd has no index here: a 404 is its answer, and proves the connection reached it.
    assert.match(`${page.stdout}${page.stderr}`, /404/);
  });

  it('with the daemon stopped, the snapshot is the kernel view plus one line, no error and no stack trace', async () => {
    await stop(dockerd);
    dockerd = null;
    const r = await runCli(['snapshot', '--docker-host', HOST, '--docker-netns-dir', NETNS_DIR]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^RUNTIMES\n {2}docker unix:\/\/\/run\/nxd\/docker\.sock: unavailable: /);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /at .*\.js:\d+|Error:/);
    assert.match(r.stdout, /\nNAMESPACES\n/);
    assert.match(r.stdout, new RegExp(`\\n  ${NS} `), 'the kernel view is all there');
  });
});
