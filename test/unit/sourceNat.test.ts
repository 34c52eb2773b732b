// Source NAT on an uplink only where it applies: a rule counts when it covers the namespace's own traffic, so
// Docker's embedded-DNS SNAT inside a container (`-s 127.0.0.11 … --sport … -j SNAT`) does not label its cable.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceNatOn } from '../../src/core/iptables/sourceNat';
import { parseIptablesSave } from '../../src/core/iptables/parse';

const FIXTURES = join(__dirname, '../../../test/fixtures/iptables');
const nat = (file: string) =>
  parseIptablesSave(readFileSync(join(FIXTURES, file), 'utf8')).tables.find((t) => t.name === 'nat')!;

describe('source NAT on an uplink', () => {
  it("does not take Docker's embedded-DNS SNAT for the container's source NAT", () => {
    assert.equal(sourceNatOn(nat('docker-embedded-dns.txt'), 'eth0', ['172.18.0.2/16']), null);
  });

  it("finds Docker's MASQUERADE for the bridge subnet on the host's uplink, and names the rule", () => {
    const found = sourceNatOn(nat('docker-28.txt'), 'eth0', ['192.0.2.10/24', '172.17.0.1/16', '172.18.0.1/16']);
    assert.equal(found?.target, 'MASQUERADE');
    assert.match(found?.rule ?? '', /^-A POSTROUTING -s 172\.1[78]\.0\.0\/16 ! -o \S+ -j MASQUERADE$/);
  });

  it('leaves out a rule for another subnet, or one narrowed to ports; keeps one without a source', () => {
    const table = parseIptablesSave(
      [
        '*nat',
        ':POSTROUTING ACCEPT [0:0]',
        '-A POSTROUTING -s 10.99.0.0/16 -j MASQUERADE',
        '-A POSTROUTING -p tcp -m tcp --sport 8080 -j SNAT --to-source 192.0.2.1',
        '-A POSTROUTING -o eth0 -j MASQUERADE',
        'COMMIT',
        '',
      ].join('\n'),
    ).tables[0]!;
    assert.equal(sourceNatOn(table, 'eth0', ['172.17.0.1/16'])?.rule, '-A POSTROUTING -o eth0 -j MASQUERADE');
  });
});
