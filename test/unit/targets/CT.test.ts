// `-j CT` and `-j NOTRACK`: an untracked packet skips NAT, matches --ctstate UNTRACKED only, and has no other
// conntrack field; other CT settings are named as not modelled.
import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../../src/core/iptables/parse';
import { walkTable, type WalkContext } from '../../../src/core/trace/chains';
import type { Packet } from '../../../src/core/trace/packet';

const table = (name: string, chain: string, rules: string[]) =>
  parseIptablesSave(`*${name}\n:${chain} ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`).tables[0]!;
const packet = (): Packet => ({
  family: 'ipv4',
  protocol: 'tcp',
  src: '198.18.0.2',
  sport: 40000,
  dst: '198.18.0.1',
  dport: 8091,
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

describe('target: CT and NOTRACK', () => {
  for (const rule of ['-A PREROUTING -p tcp -j CT --notrack', '-A PREROUTING -p tcp -j NOTRACK']) {
    it(`${rule.split(' -j ')[1]} untracks the packet and says what that means, certain`, () => {
      const ctx = context();
      const p = packet();
      walkTable(ctx, [{ table: table('raw', 'PREROUTING', [rule]), source: 'iptables-save' }], 'PREROUTING', p);
      assert.equal(p.untracked, true);
      const step = ctx.steps.find((s) => s.kind === 'rule');
      assert.match(
        step?.text ?? '',
        /not tracked, so no nat chain sees it .* --ctstate UNTRACKED, neither NEW nor ESTABLISHED/,
      );
      assert.equal(step?.uncertain, false);
    });
  }

  it('an untracked packet matches --ctstate UNTRACKED, not NEW or ESTABLISHED, and no other conntrack field', () => {
    const filter = table('filter', 'INPUT', [
      '-A INPUT -m conntrack --ctstate NEW -j DROP',
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP',
      '-A INPUT -m conntrack --ctorigdstport 8091 -j DROP',
      '-A INPUT -m conntrack --ctstate UNTRACKED -j REJECT --reject-with icmp-port-unreachable',
    ]);
    const ctx = context();
    const p = { ...packet(), untracked: true };
    const v = walkTable(ctx, [{ table: filter, source: 'iptables-save' }], 'INPUT', p);
    assert.equal(v.kind, 'reject');
    assert.equal(v.kind === 'reject' ? v.rule.index : -1, 3);
    assert.match(ctx.steps.find((s) => s.kind === 'skip')?.text ?? '', /the connection is UNTRACKED, not NEW/);
  });

  it('CT with a zone or helper is named as not modelled, and the step is uncertain', () => {
    const ctx = context();
    walkTable(
      ctx,
      [{ table: table('raw', 'PREROUTING', ['-A PREROUTING -p tcp -j CT --zone 7']), source: 'iptables-save' }],
      'PREROUTING',
      packet(),
    );
    const step = ctx.steps.find((s) => s.kind === 'rule');
    assert.equal(step?.uncertain, true);
    assert.match(step?.assumptions.join(' ') ?? '', /conntrack zone 7: not modelled/);
  });
});
