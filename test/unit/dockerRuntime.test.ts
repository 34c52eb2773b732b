// The Docker Engine API source against a daemon stand-in on a unix socket (Node's http server, answers shaped as the
// Engine API documents them): names linked by inode, networks and their bridges, and every way a daemon can fail —
// missing, hung, answering nonsense — ending in one status line, never a throw.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkRuntime, withRuntimeFields } from '../../src/core/runtime';
import type { Snapshot } from '../../src/core/model';
import { dockerEndpoint, readDocker, watchDockerEvents } from '../../src/host/runtimes/docker';

const ID = 'a'.repeat(64);
const HOSTILE = '<img src=x onerror=alert(1)>*x*\u001b[31m';

function daemon(socket: string, answers: (path: string) => unknown | 'hang'): Promise<Server> {
  const server = createServer((req, res) => {
    const a = answers(req.url ?? '');
    if (a === 'hang') return; // never answers
    res.setHeader('Content-Type', 'application/json');
    res.end(typeof a === 'string' ? a : JSON.stringify(a));
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

describe('Docker Engine API source', () => {
  let dir = '';
  let sandbox = '';
  const servers: Server[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-docker-'));
    sandbox = join(dir, 'sandbox');
    writeFileSync(sandbox, '');
  });
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const answers = (path: string): unknown => {
    if (path === '/version') return { Version: '20.10.24', ApiVersion: '1.41' };
    if (path === '/containers/json')
      return [
        {
          Id: ID,
          Names: ['/redis'],
          Image: 'LAB/redis',
          HostConfig: { NetworkMode: 'appnet' },
          Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': HOSTILE },
          NetworkSettings: { Networks: { appnet: { IPAddress: '172.20.0.2', GlobalIPv6Address: '' } } },
        },
        { Id: '../../etc/passwd', Names: ['/evil'] },
      ];
    if (path === `/containers/${ID}/json`) return { State: { Pid: 0 }, NetworkSettings: { SandboxKey: sandbox } };
    if (path === '/networks')
      return [
        {
          Name: 'bridge',
          Id: 'b'.repeat(64),
          Driver: 'bridge',
          Options: { 'com.docker.network.bridge.name': 'docker0' },
        },
        {
          Name: 'appnet',
          Id: '22f45755cc8f' + 'c'.repeat(52),
          Driver: 'bridge',
          IPAM: { Config: [{ Subnet: '172.20.0.0/16' }] },
        },
        { Name: 'host', Id: 'd'.repeat(64), Driver: 'host' },
      ];
    return { message: 'page not found' };
  };

  it('lists containers by name, linked to the namespace by the inode of their sandbox key, and networks', async () => {
    const socket = join(dir, 'ok.sock');
    servers.push(await daemon(socket, answers));
    const info = await readDocker({ endpoint: `unix://${socket}` });
    assert.equal(info.runtimes[0]?.status, 'ok', info.runtimes[0]?.message);
    assert.equal(info.runtimes[0]?.version, '20.10.24');
    assert.equal(info.containers.length, 1, 'an id that is not hex is never asked for');
    const c = info.containers[0]!;
    assert.equal(c.name, 'redis');
    assert.equal(c.namespace, String(statSync(sandbox).ino));
    assert.deepEqual([c.project, c.service, c.networkMode], ['shop', HOSTILE, 'appnet']);
    assert.deepEqual(c.networks, [{ name: 'appnet', ipv4: '172.20.0.2', ipv6: null }]);
    assert.deepEqual(
      info.networks.map((n) => [n.name, n.bridge?.name ?? null, n.subnets]),
      [
        ['bridge', 'docker0', []],
        ['appnet', 'br-22f45755cc8f', ['172.20.0.0/16']],
        ['host', null, []],
      ],
    );
  });

  it('says why when there is no daemon, it hangs, it answers nonsense, or the endpoint is not a unix socket', async () => {
    const missing = await readDocker({ endpoint: `unix://${join(dir, 'none.sock')}` });
    assert.deepEqual([missing.runtimes[0]?.status, missing.containers.length], ['unavailable', 0]);
    assert.match(missing.runtimes[0]!.message, /no daemon socket at/);

    const hung = join(dir, 'hung.sock');
    servers.push(await daemon(hung, () => 'hang'));
    const started = Date.now();
    const slow = await readDocker({ endpoint: `unix://${hung}`, timeoutMs: 300 });
    assert.equal(slow.runtimes[0]?.status, 'timeout');
    assert.ok(Date.now() - started < 5000, 'it gives up');

    const junk = join(dir, 'junk.sock');
    servers.push(await daemon(junk, () => 'this is not json'));
    const bad = await readDocker({ endpoint: `unix://${junk}` });
    assert.deepEqual([bad.runtimes[0]?.status, bad.containers.length], ['error', 0]);

    const tcp = await readDocker({ endpoint: 'tcp://127.0.0.1:2375' });
    assert.equal(tcp.runtimes[0]?.status, 'error');
    assert.match(tcp.runtimes[0]!.message, /only unix sockets/);
  });

  it('follows the event stream, and opens it again when the daemon closes it', async () => {
    const socket = join(dir, 'events.sock');
    let connections = 0;
    const server = createServer((req, res) => {
      assert.match(req.url ?? '', /^\/events\?filters=/);
      connections++;
      res.write(
        `${JSON.stringify({ Type: 'container', Action: 'start', Actor: { Attributes: { name: HOSTILE } } })}\n`,
      );
      if (connections === 1) setTimeout(() => res.end(), 20); // the daemon restarts: the stream ends
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    servers.push(server);
    let events = 0;
    const watch = watchDockerEvents(`unix://${socket}`, () => events++, 50);
    try {
      const until = Date.now() + 5000;
      while ((connections < 2 || events < 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(connections, 2, 'opened again after the first stream ended');
      assert.ok(events >= 2);
    } finally {
      watch.stop();
    }
    // No daemon at all: no throw, and stop() ends the retries.
    const none = watchDockerEvents(`unix://${join(dir, 'nothing.sock')}`, () => assert.fail('no event'), 20);
    await new Promise((r) => setTimeout(r, 100));
    none.stop();
  });

  it('takes the endpoint from the flag, else DOCKER_HOST, else the default socket', () => {
    assert.equal(dockerEndpoint('unix:///x.sock', { DOCKER_HOST: 'unix:///y.sock' }), 'unix:///x.sock');
    assert.equal(dockerEndpoint(undefined, { DOCKER_HOST: 'unix:///y.sock' }), 'unix:///y.sock');
    assert.equal(dockerEndpoint(undefined, {}), 'unix:///var/run/docker.sock');
  });

  it('names namespaces and bridges, and prints the JSON fields the issue fixes', async () => {
    const socket = join(dir, 'link.sock');
    servers.push(await daemon(socket, answers));
    const info = await readDocker({ endpoint: `unix://${socket}` });
    const inode = String(statSync(sandbox).ino);
    const snapshot: Snapshot = {
      takenAt: '',
      namespaces: [
        {
          id: '1',
          name: null,
          kind: 'host',
          mode: 'host',
          paths: [],
          pids: [],
          processes: [],
          interfaces: [
            {
              name: 'br-22f45755cc8f',
              ifindex: 3,
              kind: 'bridge',
              state: 'UP',
              mtu: 1500,
              mac: null,
              addresses: ['172.20.0.1/16'],
              master: null,
              peer: null,
              linkIndex: null,
              linkNetnsId: null,
              flags: [],
            },
            {
              name: 'veth1',
              ifindex: 4,
              kind: 'veth',
              state: 'UP',
              mtu: 1500,
              mac: null,
              addresses: [],
              master: 'br-22f45755cc8f',
              peer: { namespace: inode, ifname: 'eth0' },
              linkIndex: null,
              linkNetnsId: null,
              flags: [],
            },
          ],
          routes: [],
        },
        {
          id: inode,
          name: '7bdab5394398',
          kind: 'docker',
          mode: 'bridge',
          paths: [sandbox],
          pids: [],
          processes: [],
          interfaces: [],
          routes: [],
        },
      ],
      vethPairs: [],
      bridges: [{ namespace: '1', name: 'br-22f45755cc8f', addresses: ['172.20.0.1/16'], ports: ['veth1'] }],
      portMappings: [],
      errors: [],
      discovery: { unreadable: 0 },
      nat: [],
    } as unknown as Snapshot;
    const linked = linkRuntime(snapshot, info);
    assert.deepEqual(linked.namespaces[1]!.containerNames, ['redis']);
    assert.deepEqual(linked.runtime!.networks.find((n) => n.name === 'appnet')!.bridge, {
      name: 'br-22f45755cc8f',
      namespace: '1',
    });
    const json = withRuntimeFields(linked) as {
      namespaces: { containers: Record<string, unknown>[] }[];
      networks: unknown[];
      runtimes: { status: string }[];
    };
    assert.deepEqual(Object.keys(json.namespaces[1]!.containers[0]!).sort(), [
      'id',
      'image',
      'lab',
      'name',
      'networkMode',
      'networks',
      'pod',
      'podNamespace',
      'project',
      'runtime',
      'service',
    ]);
    assert.equal(json.runtimes[0]?.status, 'ok');
    assert.equal(json.networks.length, 3);
  });
});
