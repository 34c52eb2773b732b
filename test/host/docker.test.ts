// Containers by name against a real Docker daemon (Debian's docker.io), confined to a lab namespace with its own
// containerd, sockets, data and exec roots (../shared/docs/real-docker.md): the root namespace and any Docker of the
// machine are never touched. An image is made from Debian's static busybox with `docker import` (no registry).
// Containers in bridge mode with published ports (a range, 127.0.0.1, UDP), on a user-defined network with Compose
// labels, in host, container: and none modes; each is checked against `docker inspect`, real traffic goes through
// a published port, and a stopped daemon leaves the kernel view plus one line.
// Objects: namespace nxd-dockerd, /run/nxd, /var/lib/nxd-*, containers and a network named nxd-*; all removed after.
import { strict as assert } from 'node:assert';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { ExecRunner } from '../../src/host/runner';
import {
  DOCKER_HOST as HOST,
  DOCKER_IMAGE,
  DOCKER_NETNS_DIR as NETNS_DIR,
  DOCKER_NS as NS,
  docker,
  dockerLabUp,
  type DockerLab,
} from '../lab/dockerLab';
import { CLI, requireRoot, runCli } from './helpers';

const runner = new ExecRunner({ timeoutMs: 120_000 });

async function must(argv: string[]): Promise<string> {
  const r = await runner.run(argv);
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

type JsonNamespace = Snapshot['namespaces'][number] & { containers: { name: string; runtime: string; id: string }[] };
type Json = Omit<Snapshot, 'namespaces'> & {
  namespaces: JsonNamespace[];
  networks: { name: string; bridge: { namespace: string | null; name: string } | null }[];
  runtimes: { runtime: string; status: string; message: string }[];
};

describe('containers by name on a real Docker daemon', function () {
  this.timeout(300_000);
  let lab: DockerLab | null = null;

  before(async function () {
    requireRoot(this);
    lab = await dockerLabUp();
    await docker('network', 'create', 'nxd-appnet');
    const run = (...args: string[]) => docker('run', '-d', ...args);
    await run('--name', 'nxd-web', '-p', '18280:80', DOCKER_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
    await run(
      '--name',
      'nxd-range',
      '-p',
      '30100-30102:30100-30102',
      '-p',
      '127.0.0.1:18281:81/udp',
      DOCKER_IMAGE,
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
      DOCKER_IMAGE,
      'sleep',
      '3600',
    );
    await run('--name', 'nxd-hostmode', '--network', 'host', DOCKER_IMAGE, 'sleep', '3600');
    await run('--name', 'nxd-side', '--network', 'container:nxd-web', DOCKER_IMAGE, 'sleep', '3600');
    await run('--name', 'nxd-none', '--network', 'none', DOCKER_IMAGE, 'sleep', '3600');
  });

  after(async () => {
    await lab?.down();
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

  it('a user who may not read the socket gets the kernel view plus one permission line', async () => {
    const user = 'nxd-user';
    const dir = mkdtempSync(join(tmpdir(), 'nxd-cli-'));
    try {
      chmodSync(dir, 0o755);
      copyFileSync(CLI, join(dir, 'cli.js'));
      chmodSync(join(dir, 'cli.js'), 0o644);
      if ((await runner.run(['id', user])).failure) await must(['useradd', '--no-create-home', user]);
      const r = await runner.run([
        'runuser',
        '-u',
        user,
        '--',
        process.execPath,
        join(dir, 'cli.js'),
        'snapshot',
        '--privilege',
        'none',
        '--docker-host',
        HOST,
      ]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^RUNTIMES\n {2}docker unix:\/\/\/run\/nxd\/docker\.sock: permission: no permission to /);
      assert.match(r.stdout, /\nNAMESPACES\n {2}host /, 'the kernel view is there');
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /at .*\.js:\d+/);
    } finally {
      await runner.run(['userdel', user]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the daemon stopped, the snapshot is the kernel view plus one line, no error and no stack trace', async () => {
    await lab!.stopDaemon();
    const r = await runCli(['snapshot', '--docker-host', HOST, '--docker-netns-dir', NETNS_DIR]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^RUNTIMES\n {2}docker unix:\/\/\/run\/nxd\/docker\.sock: unavailable: /);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /at .*\.js:\d+|Error:/);
    assert.match(r.stdout, /\nNAMESPACES\n/);
    assert.match(r.stdout, new RegExp(`\\n  ${NS} `), 'the kernel view is all there');
  });
});
