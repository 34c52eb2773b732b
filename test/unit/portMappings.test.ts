// Port mappings derived from recorded Docker 24-29, Podman and kube-proxy rule sets.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { mappingText } from '../../src/core/labels';
import type { Family, PortMapping } from '../../src/core/model';
import { deriveMappings, embeddedDns, parseToDestination, portSpec } from '../../src/core/portMappings';

const FIXTURES = join(__dirname, '../../../test/fixtures/iptables');

function mappings(fixture: string, family: Family = 'ipv4'): PortMapping[] {
  const dump = parseIptablesSave(readFileSync(join(FIXTURES, fixture), 'utf8'));
  assert.deepEqual(dump.diagnostics, []);
  const nat = dump.tables.find((t) => t.name === 'nat');
  assert.ok(nat, `${fixture} has a nat table`);
  return deriveMappings(nat, 'ns1', family);
}
const summary = (ms: PortMapping[]) =>
  ms.map((m) => `${mappingText(m)} via ${m.chainPath.join('>')} [${[...m.hooks].sort().join(',')}] ${m.owner}`);

describe('port mappings from DNAT rules', () => {
  it('Docker 24-27: any address, one address, udp and a port range, reached from PREROUTING and OUTPUT', () => {
    assert.deepEqual(summary(mappings('docker-27.txt')), [
      '0.0.0.0:6379/tcp → 172.17.0.2:6379 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
      '127.0.0.1:8080/tcp → 172.17.0.3:80 via PREROUTING>DOCKER [PREROUTING] docker', // OUTPUT's jump excludes 127.0.0.0/8
      '0.0.0.0:5353/udp → 172.17.0.4:53 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
      '0.0.0.0:30000-30010/tcp → 172.17.0.4:30000-30010 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
    ]);
    const range = mappings('docker-27.txt').find((m) => m.hostPort === '30000-30010')!;
    assert.equal(range.targetPort, '30000-30010');
    assert.match(
      range.rule,
      /^\[\d+:\d+\] -A DOCKER .*--dport 30000:30010 -j DNAT --to-destination 172\.17\.0\.4:30000-30010$/,
    );
    assert.deepEqual(range.ruleRef, { table: 'nat', chain: 'DOCKER', index: range.ruleRef.index });
  });

  it('Docker 28 and 29 layouts, including a user-defined bridge bound to one address', () => {
    assert.deepEqual(summary(mappings('docker-28.txt')), [
      '0.0.0.0:6379/tcp → 172.17.0.2:6379 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
      '192.0.2.10:8443/tcp → 172.18.0.2:443 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
    ]);
    assert.deepEqual(summary(mappings('docker-29.txt')), [
      '0.0.0.0:6379/tcp → 172.17.0.2:6379 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
    ]);
  });

  it('IPv6: bracketed targets and "::" for any address', () => {
    assert.deepEqual(summary(mappings('docker-27.v6.txt', 'ipv6')), [
      '[::]:80/tcp → [fd00::2]:80 via PREROUTING>DOCKER [OUTPUT,PREROUTING] docker',
      '[::1]:8080/tcp → [fd00::3]:80 via PREROUTING>DOCKER [PREROUTING] docker', // OUTPUT's jump excludes ::1
    ]);
  });

  it('Podman (netavark): the published port carried from the per-container chain', () => {
    assert.deepEqual(summary(mappings('podman.txt')), [
      '0.0.0.0:8080/tcp → 10.88.0.2:80 via PREROUTING>NETAVARK-HOSTPORT-DNAT>NETAVARK-DN-1D8721804F16F [OUTPUT,PREROUTING] podman',
    ]);
  });

  it('kube-proxy: the service address and port carried down KUBE-SVC to every KUBE-SEP endpoint, and the NodePort', () => {
    const ms = mappings('kube-proxy.txt');
    const cluster = ms.filter((m) => m.hostIp === '10.96.0.10');
    assert.deepEqual(
      cluster.map((m) => `${m.hostPort}→${m.targetIp}:${m.targetPort}`),
      ['80→10.244.0.20:80', '80→10.244.0.21:80', '80→10.244.0.22:80'],
    );
    assert.ok(
      cluster.every(
        (m) =>
          m.chainPath[1] === 'KUBE-SERVICES' &&
          m.chainPath[2]!.startsWith('KUBE-SVC-') &&
          m.chainPath[3]!.startsWith('KUBE-SEP-'),
      ),
    );
    const nodePort = ms.filter((m) => m.hostIp === '0.0.0.0');
    assert.deepEqual(
      nodePort.map((m) => m.hostPort),
      [30080, 30080, 30080],
    );
    assert.ok(nodePort.every((m) => m.chainPath.includes('KUBE-NODEPORTS') && m.owner === 'kubernetes'));
  });

  it("Docker's embedded DNS redirect inside a container is its resolver, not a published port", () => {
    assert.deepEqual(mappings('docker-embedded-dns.txt'), []);
    const nat = parseIptablesSave(readFileSync(join(FIXTURES, 'docker-embedded-dns.txt'), 'utf8')).tables.find(
      (t) => t.name === 'nat',
    )!;
    const resolver = embeddedDns(nat);
    assert.ok(resolver.length >= 2);
    assert.ok(
      resolver.every((r) => /^(tcp|udp) 127\.0\.0\.11:53 → 127\.0\.0\.11:\d+$/.test(r)),
      resolver.join(),
    );
  });

  it('a DNAT rule in a chain no hook reaches is listed with no hooks', () => {
    const dump = parseIptablesSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:ORPHAN - [0:0]\n-A ORPHAN -p tcp -m tcp --dport 81 -j DNAT --to-destination 10.1.1.1:80\nCOMMIT\n',
    );
    const [m] = deriveMappings(dump.tables[0]!, 'n', 'ipv4');
    assert.equal(m?.hostPort, 81);
    assert.deepEqual(m?.hooks, []);
    assert.deepEqual(m?.chainPath, ['ORPHAN']);
  });

  it('multiport --dports gives one mapping per port, and survives a jump loop', () => {
    const dump = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':A - [0:0]',
        ':B - [0:0]',
        '-A PREROUTING -j A',
        '-A A -j B',
        '-A B -j A',
        '-A B -p tcp -m multiport --dports 80,443,8000:8010 -j DNAT --to-destination 10.2.2.2',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const ms = deriveMappings(dump.tables[0]!, 'n', 'ipv4');
    assert.deepEqual(
      ms.map((m) => [m.hostPort, m.targetPort]),
      [
        [80, 80],
        [443, 443],
        ['8000-8010', '8000-8010'],
      ],
    );
  });

  it('parses every --to-destination form', () => {
    assert.deepEqual(parseToDestination('1.2.3.4'), { ip: '1.2.3.4', port: null });
    assert.deepEqual(parseToDestination('1.2.3.4:80'), { ip: '1.2.3.4', port: '80' });
    assert.deepEqual(parseToDestination('1.2.3.4:1000-2000'), { ip: '1.2.3.4', port: '1000-2000' });
    assert.deepEqual(parseToDestination('1.1.1.1-1.1.1.10:1025-65535'), { ip: '1.1.1.1-1.1.1.10', port: '1025-65535' });
    assert.deepEqual(parseToDestination('[fd00::2]:80'), { ip: 'fd00::2', port: '80' });
    assert.deepEqual(parseToDestination('fd00::2'), { ip: 'fd00::2', port: null });
    assert.equal(portSpec('30000:30010'), '30000-30010');
    assert.equal(portSpec('6379'), 6379);
  });
});
