// Podman's Docker-compatible socket, containerd/Kubernetes task bundles with CRI annotations, and containerlab labels,
// from fixtures written after the producers' documentation (test/fixtures/runtimes/README.md says why not recorded).
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContainerd } from '../../src/host/runtimes/containerd';
import { readDocker } from '../../src/host/runtimes/docker';

const FIXTURES = join(__dirname, '../../../test/fixtures/runtimes');

describe('runtime fixtures: Podman, containerd/Kubernetes, containerlab', () => {
  let dir = '';
  let netns = '';
  const servers: Server[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-runtimes-'));
    netns = join(dir, 'netns-file');
    writeFileSync(netns, '');
  });
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(name: string, answer: (path: string) => string): Promise<string> {
    const socket = join(dir, `${name}.sock`);
    const server = createServer((req, res) => res.end(answer(req.url ?? '')));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    servers.push(server);
    return `unix://${socket}`;
  }
  const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8').replace(/NETNS_PATH/g, netns);

  it("Podman's compat socket: names, the podman runtime, its network's bridge and the podman-compose project", async () => {
    const endpoint = await serve('podman', (path) =>
      path === '/version'
        ? fixture('podman/version.json')
        : path === '/containers/json'
          ? fixture('podman/containers.json')
          : path === '/networks'
            ? fixture('podman/networks.json')
            : fixture('podman/inspect.json'),
    );
    const info = await readDocker({ endpoint, runtime: 'podman' });
    assert.equal(info.runtimes[0]?.status, 'ok');
    assert.equal(info.runtimes[0]?.version, '4.3.1');
    const [web] = info.containers;
    assert.deepEqual(
      [web?.runtime, web?.name, web?.project, web?.namespace],
      ['podman', 'web', 'site', String(statSync(netns).ino)],
    );
    assert.deepEqual(info.networks[0]?.bridge?.name, 'podman0');
  });

  it('containerd task bundles: pods and containers from CRI annotations, linked by the network path; moby left to Docker', async () => {
    const root = join(dir, 'tasks');
    cpSync(join(FIXTURES, 'containerd'), root, { recursive: true });
    for (const space of readdirSync(root))
      for (const id of readdirSync(join(root, space))) {
        const file = join(root, space, id, 'config.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace(/NETNS_PATH/g, netns));
      }
    const info = await readContainerd(root);
    assert.equal(info.runtimes[0]?.status, 'ok');
    assert.deepEqual(info.containers.map((c) => [c.name, c.pod, c.podNamespace, c.image, c.namespace]).sort(), [
      ['nginx', 'web-0', 'shop', 'docker.io/library/nginx:1.25', String(statSync(netns).ino)],
      ['web-0 (pod sandbox)', 'web-0', 'shop', null, String(statSync(netns).ino)],
    ]);
    const missing = await readContainerd(join(dir, 'no-such-folder'));
    assert.equal(missing.runtimes[0]?.status, 'unavailable');
  });

  it('containerlab: the lab and node from its labels', async () => {
    const endpoint = await serve('clab', (path) =>
      path === '/version'
        ? '{"Version":"24.0.7"}'
        : path === '/containers/json'
          ? fixture('containerlab.json')
          : path === '/networks'
            ? '[]'
            : `{"NetworkSettings":{"SandboxKey":"${netns}"}}`,
    );
    const info = await readDocker({ endpoint });
    const [leaf] = info.containers;
    assert.deepEqual(
      [leaf?.name, leaf?.lab, leaf?.networks[0]?.ipv6],
      ['clab-srlab-leaf1', 'srlab', '3fff:172:20:20::2'],
    );
  });
});
