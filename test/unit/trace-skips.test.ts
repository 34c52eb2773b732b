// Why a rule did not match: the trace names, for each rule it passed over, the first condition that failed, and sums
// up long chains after the first few.
import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { walkTable, type WalkContext } from '../../src/core/trace/chains';
import type { Packet } from '../../src/core/trace/packet';

const nat = (rules: string[]) =>
  parseIptablesSave(['*nat', ':OUTPUT ACCEPT [0:0]', ':DOCKER - [0:0]', ...rules, 'COMMIT', ''].join('\n')).tables[0];
const fromHost = (dst: string, dport: number): Packet => ({
  family: 'ipv4',
  protocol: 'tcp',
  src: '127.0.0.1',
  sport: 40000,
  dst,
  dport,
  inIface: null,
  outIface: 'lo',
  ctstate: 'NEW',
  mark: 0,
  bridged: null,
});
const context = (): WalkContext => ({
  namespace: '1',
  family: 'ipv4',
  env: { addresses: ['127.0.0.1/8', '198.18.0.1/24'], hook: 'OUTPUT' },
  ifaceAddress: () => null,
  choose: () => true,
  steps: [],
  visits: [],
  nat: [],
});

describe('trace: why each rule was passed over', () => {
  it("names the first failing condition: Docker's OUTPUT jump skips 127.0.0.1", () => {
    const table = nat(['-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER']);
    const ctx = context();
    walkTable(ctx, [{ table, source: 'iptables-save' }], 'OUTPUT', fromHost('127.0.0.1', 8080));
    const skip = ctx.steps.find((s) => s.kind === 'skip');
    assert.equal(skip?.title, 'nat OUTPUT #1');
    assert.equal(skip?.text, 'skipped: destination 127.0.0.1 is in 127.0.0.0/8');
    assert.match(skip?.rule?.text ?? '', /-A OUTPUT ! -d 127\.0\.0\.0\/8/);
  });

  it('says which port, protocol, interface or state did not fit', () => {
    const table = nat([
      '-A OUTPUT -p udp -m udp --dport 53 -j RETURN',
      '-A OUTPUT -p tcp -m tcp --dport 8080 -j RETURN',
      '-A OUTPUT -i eth0 -j RETURN',
      '-A OUTPUT -m conntrack --ctstate ESTABLISHED -j RETURN',
      '-A OUTPUT -m addrtype --dst-type BROADCAST -j RETURN',
    ]);
    const ctx = context();
    walkTable(ctx, [{ table, source: 'iptables-save' }], 'OUTPUT', fromHost('198.18.0.1', 9090));
    assert.deepEqual(
      ctx.steps.filter((s) => s.kind === 'skip').map((s) => s.text),
      [
        'skipped: the protocol is tcp, not udp',
        'skipped: destination port 9090 is not 8080',
        'skipped: the packet was sent by this namespace: it arrived on no interface',
        'skipped: the connection is NEW, not ESTABLISHED',
        'skipped: the destination 198.18.0.1 is LOCAL, not BROADCAST',
      ],
    );
  });

  it('shows the first 20 skipped rules of a chain and counts the rest (a kube-proxy KUBE-SERVICES)', () => {
    const services = Array.from(
      { length: 500 },
      (_, i) => `-A OUTPUT -d 10.96.${Math.floor(i / 250)}.${i % 250}/32 -p tcp -m tcp --dport 80 -j RETURN`,
    );
    const ctx = context();
    walkTable(ctx, [{ table: nat(services), source: 'iptables-save' }], 'OUTPUT', fromHost('198.18.0.1', 80));
    const skips = ctx.steps.filter((s) => s.kind === 'skip');
    assert.equal(skips.length, 21);
    assert.equal(skips[20]?.text, '480 more rules skipped');
  });
});
