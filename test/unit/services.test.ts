// Kubernetes Services apart from the host's ports: kube-proxy-shaped rules (ClusterIPs, NodePorts, the statistic
// chain's shares), the JSON's services[] and portMappings[], and the compact rules of `snapshot --json`.
import { strict as assert } from 'node:assert';
import type { DiscoveredNamespace, Snapshot } from '../../src/core/model';
import { hostPortMappings, mappingCounts, serviceText, servicesOf } from '../../src/core/services';
import { buildSnapshot } from '../../src/core/snapshot';
import { snapshotJson } from '../../src/core/snapshotJson';
import { kubeProxyRules } from '../../bench/kubeRules';
import { NO_FILTER } from '../../src/extension/tree/filter';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { natView } from '../../src/extension/tree/views/natView';

const node: DiscoveredNamespace = {
  id: '4026531840',
  dev: 4,
  ino: 4026531840,
  kind: 'host',
  name: null,
  paths: ['/proc/1/ns/net'],
  processes: [],
};

/** A node's view: eth0 192.168.1.10/24, and kube-proxy's nat rules for about `rules` rules. */
function kubeNode(rules: number): { snapshot: Snapshot; text: string } {
  const text = kubeProxyRules(rules);
  const links = [
    {
      ifindex: 2,
      ifname: 'eth0',
      flags: ['UP'],
      operstate: 'UP',
      link_type: 'ether',
      addr_info: [{ family: 'inet', local: '192.168.1.10', prefixlen: 24 }],
    },
  ];
  const snapshot = buildSnapshot(
    { namespaces: [node], unreadable: 0, hostPidNamespace: null },
    [
      {
        namespace: node,
        ip: { command: 'ip -j -d -batch -', text: JSON.stringify(links) },
        nat: [{ family: 'ipv4', source: 'iptables-save', command: 'iptables-save -c', text }],
        errors: [],
      },
    ],
    '2026-12-05T00:00:00.000Z',
  );
  return { snapshot, text };
}

describe('Kubernetes Services apart from host ports', () => {
  const { snapshot, text } = kubeNode(2000);

  it('reads each Service once: ClusterIPs and NodePorts, with names and endpoints', () => {
    const services = servicesOf(snapshot);
    const kinds = new Map<string, number>();
    for (const v of services) kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
    const clusterIps = Math.ceil(2000 / 11);
    assert.equal(kinds.get('ClusterIP'), clusterIps);
    assert.equal(kinds.get('NodePort'), 2, 'services 50 and 150 have NodePorts');
    const api = services.find((v) => v.ip === '10.96.0.1' && v.port === 443)!;
    assert.equal(api.kind, 'ClusterIP');
    assert.equal(api.name, 'default/kubernetes:https');
    assert.deepEqual(
      api.endpoints.map((e) => `${e.ip}:${e.port}`),
      ['10.244.0.1:6443', '10.245.0.1:6443', '10.246.0.1:6443'],
    );
    const nodePort = services.find((v) => v.kind === 'NodePort' && v.port === 30000)!;
    assert.equal(nodePort.ip, '0.0.0.0');
    assert.equal(nodePort.name, 'ns0/svc50:http');
    assert.equal(nodePort.endpoints.length, 3);
  });

  it("gives each endpoint its share of new connections, from the statistic chain's probabilities", () => {
    for (const v of servicesOf(snapshot)) {
      const shares = v.endpoints.map((e) => e.probability!);
      for (const p of shares) assert.ok(Math.abs(p - 1 / 3) < 1e-6, `${v.ip}:${v.port}: ${shares.join(', ')}`);
    }
  });

  it('lists none of them as port mappings of the host, and says so in one line per Service', () => {
    assert.equal(hostPortMappings(snapshot.portMappings).length, 0, 'a node publishing nothing has no host ports');
    assert.deepEqual(mappingCounts(snapshot), { hostMappings: 0, services: servicesOf(snapshot).length });
    const api = servicesOf(snapshot).find((v) => v.port === 443)!;
    assert.equal(
      serviceText(api, () => 'host'),
      '10.96.0.1:443/tcp ClusterIP default/kubernetes:https → 10.244.0.1:6443 33%, 10.245.0.1:6443 33%, 10.246.0.1:6443 33%  [host]',
    );
  });

  it('snapshot --json: services[] apart, portMappings[] without them, rules as text: at most 3 times the dump', () => {
    const json = JSON.stringify(snapshotJson(snapshot, { runtime: false, parsedRules: false }));
    const back = JSON.parse(json) as {
      services: unknown[];
      portMappings: unknown[];
      nat: { tables: { chains: { rules: Record<string, unknown>[] }[] }[] }[];
    };
    assert.equal(back.services.length, servicesOf(snapshot).length);
    assert.equal(back.portMappings.length, 0);
    const rule = back.nat[0]!.tables[0]!.chains.find((c) => c.rules.length)!.rules[0]!;
    assert.deepEqual(Object.keys(rule).sort(), ['comment', 'counters', 'text']);
    assert.ok(json.length <= 3 * text.length, `${json.length} bytes of JSON for ${text.length} of dump`);
    const parsed = JSON.stringify(snapshotJson(snapshot, { runtime: false, parsedRules: true }));
    assert.ok(parsed.includes('"matches"'), '--parsed-rules keeps the parse');
  });

  it('the NAT view lists the Services apart: a Services root, each Service with its endpoint rules below it', () => {
    const idx = new SnapshotIndex(snapshot);
    const nat = natView(() => 500);
    const roots = nat.roots(idx, NO_FILTER);
    assert.ok(!roots.some((r) => r.kind === 'mappings'), 'no "Port mappings": the node publishes nothing');
    const root = roots.find((r) => r.kind === 'services')!;
    assert.ok(root, 'a Services root');
    assert.equal(nat.item(root, idx)?.description, `${servicesOf(snapshot).length} services`);
    const services = nat.children(root, idx, NO_FILTER);
    const api = services.find((n) => String(nat.item(n, idx)?.label).startsWith('10.96.0.1:443/tcp'))!;
    assert.equal(nat.item(api, idx)?.label, '10.96.0.1:443/tcp default/kubernetes:https');
    assert.match(String(nat.item(api, idx)?.description), /^ClusterIP · 3 endpoints/);
    const rules = nat.children(api, idx, NO_FILTER);
    assert.equal(rules.length, 3);
    for (const r of rules) assert.deepEqual(nat.parent!(r, idx), api, 'a rule leads back to its Service');
  });
});
