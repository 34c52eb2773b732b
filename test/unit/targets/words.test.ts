// Targets that set metadata, report, or rewrite in ways the trace does not follow: each reads in words, with nothing
// left "not interpreted"; the ones that rewrite addresses (NETMAP, SNPT, DNPT) mark the trace's step uncertain.
import { strict as assert } from 'node:assert';
import { explainRule, uninterpretedOf } from '../../../src/core/explain/rule';
import { parseIptablesSave } from '../../../src/core/iptables/parse';
import { walkTable, type WalkContext } from '../../../src/core/trace/chains';
import type { Packet } from '../../../src/core/trace/packet';

const SAMPLES: [string, string, RegExp][] = [
  ['mangle', '-j TTL --ttl-set 64', /has its TTL set to 64, then continues/],
  ['mangle', '-j HL --hl-dec 1', /hop limit decreased by 1/],
  ['mangle', '-j TOS --set-tos 0x10/0x3f', /TOS set to 0x10\/0x3f/],
  ['mangle', '-j DSCP --set-dscp-class AF41', /DSCP set to class AF41/],
  ['filter', '-j AUDIT --type drop', /audit log as drop/],
  ['mangle', '-j CLASSIFY --set-class 1:10', /traffic-control class 1:10/],
  ['mangle', '-j CONNSECMARK --restore', /security mark restored/],
  ['mangle', '-j SECMARK --selctx system_u:object_r:http_packet_t:s0', /security context system_u/],
  ['filter', '-j IDLETIMER --timeout 60 --label idle', /idle timer "idle" \(60 s\)/],
  ['filter', '-j LED --led-trigger-id ssh', /LED trigger netfilter-ssh/],
  ['raw', '-j TRACE', /traced by the kernel/],
  [
    'mangle',
    '-j HMARK --hmark-tuple src,dst --hmark-mod 4 --hmark-rnd 0x1',
    /hash of its addresses and ports \(modulo 4\)/,
  ],
  ['mangle', '-p tcp -j TCPOPTSTRIP --strip-options timestamp', /TCP options timestamp removed/],
  ['nat', '-d 10.0.0.0/24 -j NETMAP --to 10.1.0.0/24', /mapped one to one into 10\.1\.0\.0\/24/],
  ['mangle', '-p tcp -j ECN --ecn-tcp-remove', /ECN bits of its TCP header cleared/],
  [
    'mangle',
    '-j RATEEST --rateest-name est1 --rateest-interval 250.0ms --rateest-ewmalog 500.0ms',
    /rate estimator est1/,
  ],
  ['filter', '-j SET --add-set blocked src', /added to the ipset blocked/],
  ['mangle', '-j TEE --gateway 10.0.0.1', /copied to 10\.0\.0\.1/],
  ['mangle', '-p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x1', /transparent proxy on port 8080/],
  ['filter', '-p tcp -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460', /SYN proxy/],
  [
    'filter',
    '-d 10.9.9.9 -j CLUSTERIP --new --hashmode sourceip --total-nodes 2 --local-node 1',
    /among 2 cluster nodes/,
  ],
];

const rule = (table: string, spec: string) =>
  parseIptablesSave(`*${table}\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING ${spec}\nCOMMIT\n`).tables[0]!;

describe('targets put into words', () => {
  for (const [table, spec, words] of SAMPLES) {
    it(spec, () => {
      const r = rule(table, spec).chains[0]!.rules[0]!;
      assert.deepEqual(uninterpretedOf(r), []);
      assert.match(explainRule(r), words);
    });
  }

  it('NETMAP is named on the trace as a rewrite it does not follow: uncertain, packet unchanged', () => {
    const p: Packet = {
      family: 'ipv4',
      protocol: 'tcp',
      src: '198.18.0.2',
      sport: 40000,
      dst: '10.0.0.5',
      dport: 80,
      inIface: 'eth0',
      outIface: null,
      ctstate: 'NEW',
      mark: 0,
      bridged: null,
    };
    const ctx: WalkContext = {
      namespace: '1',
      family: 'ipv4',
      env: { addresses: [], hook: 'PREROUTING' },
      ifaceAddress: () => null,
      choose: () => true,
      steps: [],
      visits: [],
      nat: [],
    };
    const table = rule('nat', '-d 10.0.0.0/24 -j NETMAP --to 10.1.0.0/24');
    walkTable(ctx, [{ table, source: 'iptables-save' }], 'PREROUTING', p);
    assert.equal(p.dst, '10.0.0.5');
    assert.equal(ctx.steps.find((s) => s.kind === 'rule')?.uncertain, true);
  });
});
