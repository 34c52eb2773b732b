// `-m multiport`: its reading (explanations) and its evaluation (trace), side by side.
import { strict as assert } from 'node:assert';
import { describeConditions } from '../../../src/core/explain/rule';
import { parseIptablesSave } from '../../../src/core/iptables/parse';
import { evaluateRule } from '../../../src/core/trace/match';
import type { Packet } from '../../../src/core/trace/packet';

const rule = (matches: string) =>
  parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ${matches} -j ACCEPT\nCOMMIT\n`).tables[0].chains[0]
    .rules[0];
const to = (dport: number, sport = 40000): Packet => ({
  family: 'ipv4',
  protocol: 'tcp',
  src: '10.0.0.2',
  sport,
  dst: '10.0.0.1',
  dport,
  inIface: 'eth0',
  outIface: null,
  ctstate: 'NEW',
  mark: 0,
  bridged: null,
});
const matches = (r: ReturnType<typeof rule>, p: Packet) => evaluateRule(r, p, { addresses: [], hook: 'INPUT' }).matched;

describe('match module: multiport', () => {
  it('reads destination and source port lists, ranges written with a dash', () => {
    assert.equal(describeConditions(rule('-m multiport --dports 80,443,8000:8080')), 'TCP to ports 80, 443, 8000-8080');
    assert.equal(describeConditions(rule('-m multiport ! --sports 53')), 'TCP from any port except 53');
    assert.equal(
      describeConditions(rule('-m multiport --ports 22,2222')),
      'TCP with source or destination port in 22, 2222',
    );
  });

  it('evaluates lists, ranges and negation against the packet', () => {
    const web = rule('-m multiport --dports 80,443,8000:8080');
    assert.equal(matches(web, to(443)), true);
    assert.equal(matches(web, to(8042)), true);
    assert.equal(matches(web, to(22)), false);
    assert.equal(matches(rule('-m multiport ! --dports 80,443'), to(22)), true);
    assert.equal(matches(rule('-m multiport --ports 2222'), to(80, 2222)), true);
  });
});
