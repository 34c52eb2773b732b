// `-j DNAT`: its words (explanations) and what it does to the traced packet, side by side.
import { strict as assert } from 'node:assert';
import { explainRule } from '../../../src/core/explain/rule';
import { deriveMappings } from '../../../src/core/portMappings';
import { parseIptablesSave } from '../../../src/core/iptables/parse';
import { walkTable, type WalkContext } from '../../../src/core/trace/chains';
import type { Packet } from '../../../src/core/trace/packet';

const nat = (rules: string) => parseIptablesSave(`*nat\n:PREROUTING ACCEPT [0:0]\n${rules}\nCOMMIT\n`).tables[0];
const packet = (dport: number): Packet => ({
  family: 'ipv4',
  protocol: 'tcp',
  src: '198.18.0.2',
  sport: 40000,
  dst: '198.18.0.1',
  dport,
  inIface: 'eth0',
  outIface: null,
  ctstate: 'NEW',
  mark: 0,
  bridged: null,
});
const context = (): WalkContext => ({
  namespace: '1',
  family: 'ipv4',
  env: { addresses: ['198.18.0.1/24'], hook: 'PREROUTING' },
  ifaceAddress: () => null,
  choose: () => true,
  steps: [],
  visits: [],
  nat: [],
});

describe('target: DNAT', () => {
  it('says where the packet goes, naming the owner, a kept port and port ranges', () => {
    const table = nat(
      [
        '-A PREROUTING -p tcp -m tcp --dport 6379 -j DNAT --to-destination 172.17.0.2:6379',
        '-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.3',
        '-A PREROUTING -p udp -m udp --dport 53 -j DNAT --to-destination :5353',
      ].join('\n'),
    );
    const [redis, kept, portOnly] = table.chains[0].rules;
    const owner = { addressOwner: (ip: string) => (ip === '172.17.0.2' ? 'redis' : undefined) };
    assert.match(explainRule(redis, owner), /is rewritten to 172\.17\.0\.2:6379 \(container redis\)\.$/);
    assert.match(explainRule(kept), /is rewritten to 172\.17\.0\.3, keeping its port\.$/);
    assert.match(explainRule(portOnly), /has its destination port rewritten to 5353\.$/);
  });

  it('rewrites the traced packet, records the translation for the reply, and ends the table', () => {
    const table = nat(
      ['-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80', '-A PREROUTING -j DROP'].join(
        '\n',
      ),
    );
    const ctx = context();
    const p = packet(8080);
    assert.deepEqual(walkTable(ctx, [{ table, source: 'iptables-save' }], 'PREROUTING', p), { kind: 'accept' });
    assert.equal(`${p.dst}:${p.dport}`, '172.17.0.2:80');
    assert.deepEqual(ctx.nat, [
      { namespace: '1', kind: 'dnat', from: { ip: '198.18.0.1', port: 8080 }, to: { ip: '172.17.0.2', port: 80 } },
    ]);
    assert.ok(
      ctx.steps.some((s) => s.kind === 'nat' && s.text.startsWith('DNAT: destination rewritten to 172.17.0.2:80')),
    );
  });

  it('keeps the original port when it lies in a target port range, else takes the range start', () => {
    const table = nat('-A PREROUTING -p tcp -j DNAT --to-destination 172.17.0.2:9000-9010');
    for (const [dport, want] of [
      [9005, 9005],
      [80, 9000],
    ]) {
      const p = packet(dport);
      walkTable(context(), [{ table, source: 'iptables-save' }], 'PREROUTING', p);
      assert.equal(p.dport, want, `port ${dport}`);
    }
  });
});

describe('target: DNAT with a shifted port range', () => {
  it('maps port by offset (--to-destination A:9000-9010/8000), in the trace, the words and the mapping', () => {
    const table = nat(
      '-A PREROUTING -p tcp -m tcp --dport 8000:8010 -j DNAT --to-destination 172.17.0.2:9000-9010/8000',
    );
    for (const [dport, want] of [
      [8000, 9000],
      [8005, 9005],
      [8010, 9010],
    ]) {
      const p = packet(dport);
      walkTable(context(), [{ table, source: 'iptables-save' }], 'PREROUTING', p);
      assert.equal(p.dport, want, `port ${dport}`);
    }
    assert.match(
      explainRule(table.chains[0].rules[0]),
      /is rewritten to 172\.17\.0\.2, ports 9000-9010 by offset \(port P becomes 9000 \+ P - 8000\)\.$/,
    );
    const [m] = deriveMappings(table, '1', 'ipv4');
    assert.equal(`${m?.hostPort} -> ${m?.targetPort}`, '8000-8010 -> 9000-9010');
  });
});
