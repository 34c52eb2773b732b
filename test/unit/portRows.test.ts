// Port rows like docker ps: the families of one binding merged, the single-port rules of a range collapsed.
import { strict as assert } from 'node:assert';
import type { PortMapping } from '../../src/core/model';
import { portRows, portRowText } from '../../src/core/portRows';

function m(
  family: 'ipv4' | 'ipv6',
  hostIp: string,
  hostPort: number,
  targetIp: string,
  targetPort: number,
  extra: Partial<PortMapping> = {},
): PortMapping {
  return {
    namespace: 'h',
    family,
    protocol: 'tcp',
    hostIp,
    hostPort,
    targetIp,
    targetPort,
    targetNamespace: 'c',
    targetInterface: 'eth0',
    targetPids: [],
    chain: 'DOCKER',
    chainPath: ['PREROUTING', 'DOCKER'],
    hooks: ['PREROUTING'],
    rule: '',
    ruleRef: { table: 'nat', chain: 'DOCKER', index: 0 },
    owner: 'docker',
    comment: null,
    ...extra,
  } as PortMapping;
}

describe('port rows like docker ps', () => {
  it('merges IPv4 and IPv6 of one binding, and collapses a range written as single rules', () => {
    const rows = portRows([
      m('ipv6', '::', 8080, 'fd00::2', 80),
      m('ipv4', '0.0.0.0', 8080, '172.17.0.2', 80),
      ...[30100, 30101, 30102, 30103, 30104, 30105].map((p) =>
        m('ipv4', '0.0.0.0', p, '172.17.0.3', p, { targetNamespace: 'r' }),
      ),
      m('ipv4', '127.0.0.1', 18281, '172.17.0.3', 81, { targetNamespace: 'r', protocol: 'udp' }),
    ]);
    assert.deepEqual(rows.map(portRowText), [
      '0.0.0.0:8080, [::]:8080/tcp → 172.17.0.2:80, [fd00::2]:80',
      '127.0.0.1:18281/udp → 172.17.0.3:81',
      '0.0.0.0:30100-30105/tcp → 172.17.0.3:30100-30105',
    ]);
    assert.equal(rows[2]!.mappings.length, 6, 'the rules stay behind the row');
  });

  it('keeps apart what is not one binding: another container, a gap, a different shift, another address', () => {
    const rows = portRows([
      m('ipv4', '0.0.0.0', 100, '10.0.0.2', 100),
      m('ipv4', '0.0.0.0', 101, '10.0.0.3', 101, { targetNamespace: 'other' }),
      m('ipv4', '0.0.0.0', 103, '10.0.0.2', 103),
      m('ipv4', '0.0.0.0', 104, '10.0.0.2', 200),
      m('ipv4', '192.0.2.1', 105, '10.0.0.2', 105),
    ]);
    assert.equal(rows.length, 5, rows.map(portRowText).join(' | '));
  });
});
