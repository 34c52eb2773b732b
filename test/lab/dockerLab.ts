// A real Docker daemon confined to a lab namespace (nxd-dockerd) with its own containerd, sockets, data and exec
// roots (../shared/docs/real-docker.md), and an image made from Debian's static busybox with `docker import`. Shared
// by the real-daemon host test and the UI test. Never touches the root namespace or a Docker of the machine.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRunner } from '../../src/host/runner';

export const DOCKER_NS = 'nxd-dockerd';
export const DOCKER_RUN = '/run/nxd';
export const DOCKER_SOCK = `${DOCKER_RUN}/docker.sock`;
export const DOCKER_HOST = `unix://${DOCKER_SOCK}`;
export const DOCKER_NETNS_DIR = `${DOCKER_RUN}/exec/netns`;
export const DOCKER_IMAGE = 'nxd/busybox';

const runner = new ExecRunner({ timeoutMs: 120_000 });

async function must(argv: string[]): Promise<string> {
  const r = await runner.run(argv);
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `docker -H <the lab daemon> …`, failing on error. */
export const docker = (...args: string[]): Promise<string> => must(['docker', '-H', DOCKER_HOST, ...args]);

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
  const child = spawn('nsenter', [`--net=/run/netns/${DOCKER_NS}`, '--', ...argv], {
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

export interface DockerLab {
  /** Stops the daemon only (a test of a stopped daemon); down() still cleans everything. */
  stopDaemon(): Promise<void>;
  down(): Promise<void>;
}

/** Starts containerd and dockerd (with IPv6) in nxd-dockerd and imports the busybox image. */
export async function dockerLabUp(): Promise<DockerLab> {
  if (!existsSync('/usr/sbin/dockerd') || !existsSync('/bin/busybox'))
    assert.fail('docker.io and busybox-static are not installed (.ci/run installs them)');
  let containerd: ChildProcess | null = null;
  let dockerd: ChildProcess | null = null;
  const work = mkdtempSync(join(tmpdir(), 'nxd-'));
  const down = async () => {
    if (existsSync(DOCKER_SOCK)) {
      const ids = (await runner.run(['docker', '-H', DOCKER_HOST, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await runner.run(['docker', '-H', DOCKER_HOST, 'rm', '-f', ...ids]);
    }
    await stop(dockerd);
    await stop(containerd);
    dockerd = containerd = null;
    await runner.run(['ip', 'netns', 'del', DOCKER_NS]);
    // dockerd bind-mounts each sandbox there; one it did not unmount (killed) would keep the folder busy.
    if (existsSync(DOCKER_NETNS_DIR))
      for (const f of readdirSync(DOCKER_NETNS_DIR)) await runner.run(['umount', '-l', join(DOCKER_NETNS_DIR, f)]);
    rmSync(DOCKER_RUN, { recursive: true, force: true });
    for (const d of ['/var/lib/nxd-docker', '/var/lib/nxd-containerd']) rmSync(d, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };
  // Whatever an earlier, killed run left.
  await runner.run(['ip', 'netns', 'del', DOCKER_NS]);
  if (existsSync(DOCKER_NETNS_DIR))
    for (const f of readdirSync(DOCKER_NETNS_DIR)) await runner.run(['umount', '-l', join(DOCKER_NETNS_DIR, f)]);
  rmSync(DOCKER_RUN, { recursive: true, force: true });
  try {
    await must(['ip', 'netns', 'add', DOCKER_NS]);
    await must(['ip', '-n', DOCKER_NS, 'link', 'set', 'lo', 'up']);
    mkdirSync(DOCKER_RUN, { recursive: true });
    containerd = startIn(
      [
        'containerd',
        '--address',
        `${DOCKER_RUN}/containerd.sock`,
        '--root',
        '/var/lib/nxd-containerd',
        '--state',
        `${DOCKER_RUN}/containerd`,
      ],
      join(work, 'containerd.log'),
    );
    await eventually(async () => existsSync(`${DOCKER_RUN}/containerd.sock`), 'containerd');
    dockerd = startIn(
      [
        'dockerd',
        '--containerd',
        `${DOCKER_RUN}/containerd.sock`,
        '--data-root',
        '/var/lib/nxd-docker',
        '--exec-root',
        `${DOCKER_RUN}/exec`,
        '--pidfile',
        `${DOCKER_RUN}/docker.pid`,
        '--host',
        DOCKER_HOST,
        // IPv6 bindings too: Docker writes ip6tables DNAT rules beside the IPv4 ones.
        '--ipv6',
        '--fixed-cidr-v6',
        'fd00:d0c::/64',
        '--experimental',
        '--ip6tables',
      ],
      join(work, 'dockerd.log'),
    );
    await eventually(
      async () => (await runner.run(['docker', '-H', DOCKER_HOST, 'version'])).failure === null,
      'dockerd',
    );
    // An image from Debian's static busybox: sh, sleep and httpd are all it needs.
    const root = join(work, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    for (const a of ['sh', 'sleep', 'httpd']) symlinkSync('busybox', join(root, 'bin', a));
    mkdirSync(join(root, 'www'));
    await must(['tar', '-C', root, '-cf', join(work, 'rootfs.tar'), '.']);
    await docker('import', join(work, 'rootfs.tar'), DOCKER_IMAGE);
  } catch (e) {
    await down();
    throw e;
  }
  return {
    stopDaemon: async () => {
      await stop(dockerd);
      dockerd = null;
    },
    down,
  };
}
