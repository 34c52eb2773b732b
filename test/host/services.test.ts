// A Kubernetes node's 100,000 kube-proxy-shaped rules in a real namespace (loaded with iptables-restore, so the kernel
// validates them): `snapshot --json` lists the Services apart from the host's ports, the text snapshot too, and
// `map add --host-port 443` is not refused because the kubernetes ClusterIP listens on 443.
import { strict as assert } from 'node:assert';
import { ExecRunner } from '../../src/host/runner';
import { kubeProxyRules } from '../../bench/kubeRules';
import { requireRoot, runCli } from './helpers';

const NODE = `nxs-node-${process.pid}`;
const POD = `nxs-pod-${process.pid}`;

describe('a Kubernetes node with 100,000 rules (real namespace)', function () {
  this.timeout(300_000);
  const tool = new ExecRunner({ timeoutMs: 120_000 });
  const must = async (argv: string[], input?: string) => {
    const r = await tool.run(argv, input === undefined ? {} : { input });
    assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async function () {
    requireRoot(this);
    for (const ns of [NODE, POD]) await must(['ip', 'netns', 'add', ns]);
    // The node's address and a pod on a veth, to map a host port to.
    await must(['ip', '-n', NODE, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD]);
    await must(['ip', '-n', NODE, 'addr', 'add', '192.0.2.10/24', 'dev', 'eth0']);
    await must(['ip', '-n', POD, 'addr', 'add', '192.0.2.20/24', 'dev', 'eth0']);
    for (const ns of [NODE, POD]) {
      await must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      await must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await must(['ip', 'netns', 'exec', NODE, 'iptables-restore', '-w'], kubeProxyRules(100_000));
  });
  after(async () => {
    for (const ns of [NODE, POD]) await tool.run(['ip', 'netns', 'del', ns]);
  });

  it('snapshot --json: services[] apart from portMappings[]; the text snapshot lists them apart too', async () => {
    const r = await runCli(['snapshot', '--json', '--timeout', '120000'], {}, 240_000);
    assert.equal(r.failure, null, r.stderr);
    const snap = JSON.parse(r.stdout) as {
      namespaces: { id: string; name: string | null }[];
      portMappings: { namespace: string }[];
      services: { namespace: string; kind: string; ip: string; port: number; name: string; endpoints: unknown[] }[];
    };
    const id = snap.namespaces.find((n) => n.name === NODE)!.id;
    const services = snap.services.filter((s) => s.namespace === id);
    assert.equal(services.filter((s) => s.kind === 'ClusterIP').length, Math.ceil(100_000 / 11));
    assert.ok(services.some((s) => s.kind === 'NodePort'));
    const api = services.find((s) => s.ip === '10.96.0.1' && s.port === 443)!;
    assert.equal(api.name, 'default/kubernetes:https');
    assert.equal(api.endpoints.length, 3);
    assert.equal(snap.portMappings.filter((m) => m.namespace === id).length, 0, 'no Service is a port of the node');

    const text = await runCli(['snapshot', '--timeout', '120000'], {}, 240_000);
    assert.equal(text.failure, null, text.stderr);
    assert.match(text.stdout, /\nSERVICES \(\d+\)\n/);
    assert.match(text.stdout, /^ {2}10\.96\.0\.1:443\/tcp ClusterIP default\/kubernetes:https → .*\[nxs-node-/m);
  });

  it('map add --host-port 443 is not refused because of the ClusterIP on 443', async () => {
    const r = await runCli(
      ['map', 'add', '--in', NODE, '--host-port', '443', '--to', '192.0.2.20:8443', '--dry-run', '--timeout', '60000'],
      {},
      240_000,
    );
    assert.equal(r.failure, null, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /DNAT --to-destination 192\.0\.2\.20:8443/);
  });
});
