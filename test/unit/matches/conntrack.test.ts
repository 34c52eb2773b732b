// `-m conntrack`: states (the virtual DNAT and SNAT ones too), the original and reply tuples, and the direction,
// evaluated from the connection the trace keeps; and the words for them.
import { strict as assert } from 'node:assert';
import { describeConditions } from '../../../src/core/explain/rule';
import { parseIptablesSave } from '../../../src/core/iptables/parse';
import { evaluateRule } from '../../../src/core/trace/match';
import type { Connection, Packet } from '../../../src/core/trace/packet';

const rule = (matches: string) =>
  parseIptablesSave(`*filter\n:FORWARD DROP [0:0]\n-A FORWARD ${matches} -j ACCEPT\nCOMMIT\n`).tables[0].chains[0]
    .rules[0];

// A published port: the client 198.18.0.2 asked for 198.18.0.1:8080, DNATed to 172.17.0.2:80.
const request: Packet = {
  family: 'ipv4',
  protocol: 'tcp',
  src: '198.18.0.2',
  sport: 40000,
  dst: '172.17.0.2',
  dport: 80,
  inIface: 'eth0',
  outIface: 'docker0',
  ctstate: 'NEW',
  mark: 0,
  bridged: null,
};
const dnatted: Connection = {
  direction: 'ORIGINAL',
  original: { src: '198.18.0.2', sport: 40000, dst: '198.18.0.1', dport: 8080 },
  reply: { src: '172.17.0.2', sport: 80, dst: '198.18.0.2', dport: 40000 },
};
const reply: Packet = {
  ...request,
  src: '172.17.0.2',
  sport: 80,
  dst: '198.18.0.2',
  dport: 40000,
  ctstate: 'ESTABLISHED',
  inIface: 'docker0',
  outIface: 'eth0',
};
const plain: Connection = {
  direction: 'ORIGINAL',
  original: { src: '198.18.0.2', sport: 40000, dst: '172.17.0.2', dport: 80 },
  reply: { src: '172.17.0.2', sport: 80, dst: '198.18.0.2', dport: 40000 },
};

const matches = (matchText: string, p: Packet, connection: Connection) => {
  const m = evaluateRule(rule(matchText), p, { addresses: [], hook: 'FORWARD', connection });
  assert.deepEqual(m.assumptions, [], 'evaluated, not assumed');
  return m.matched;
};

describe('match module: conntrack', () => {
  it('--ctstate DNAT matches a translated connection only (OpenWrt forwards, kube-proxy KUBE-FIREWALL)', () => {
    assert.equal(matches('-m conntrack --ctstate DNAT', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctstate DNAT', request, plain), false);
    assert.equal(matches('-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT', request, dnatted), false);
    assert.equal(matches('-m conntrack --ctstate NEW', request, dnatted), true);
  });

  it('--ctstate SNAT matches when the reply does not return to the original source', () => {
    const masqueraded: Connection = { ...plain, reply: { ...plain.reply, dst: '10.0.0.1', dport: 61000 } };
    assert.equal(matches('-m conntrack --ctstate SNAT', request, masqueraded), true);
    assert.equal(matches('-m conntrack --ctstate SNAT', request, plain), false);
  });

  it("--ctorigdst and --ctorigdstport see the address the client asked for (Docker's DOCKER-USER example)", () => {
    assert.equal(matches('-m conntrack --ctorigdstport 8080', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctorigdstport 80', request, dnatted), false);
    assert.equal(matches('-m conntrack --ctorigdst 198.18.0.1', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctorigdst 198.18.0.0/24 --ctorigdstport 8000:9000', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctorigsrc 198.18.0.2/32', request, dnatted), true);
  });

  it('--ctreplsrc is the DNAT target, and the reply keeps the same connection', () => {
    assert.equal(matches('-m conntrack --ctreplsrc 172.17.0.2 --ctreplsrcport 80', request, dnatted), true);
    const back: Connection = { ...dnatted, direction: 'REPLY' };
    assert.equal(matches('-m conntrack --ctorigdstport 8080 --ctstate DNAT', reply, back), true);
  });

  it('--ctdir tells the request from the reply; --ctproto the protocol', () => {
    assert.equal(matches('-m conntrack --ctdir ORIGINAL', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctdir REPLY', request, dnatted), false);
    assert.equal(matches('-m conntrack --ctdir REPLY', reply, { ...dnatted, direction: 'REPLY' }), true);
    assert.equal(matches('-m conntrack --ctproto tcp', request, dnatted), true);
    assert.equal(matches('-m conntrack --ctproto 17', request, dnatted), false);
  });
});

describe('match module: conntrack in words', () => {
  it('puts the tuple options into words instead of leaving them uninterpreted', () => {
    assert.equal(
      describeConditions(rule('-p tcp -m conntrack --ctstate DNAT --ctorigdstport 8080')),
      'TCP in connection state DNAT, whose connection was addressed to port 8080 (before any DNAT)',
    );
    assert.equal(
      describeConditions(rule('-m conntrack ! --ctreplsrc 10.0.0.2 --ctdir REPLY')),
      "whose replies do not come from 10.0.0.2, in the connection's reply direction",
    );
  });
});
