// Leftovers of a killed extension host: our mappings and orphans found in recorded rules, and the plans that remove
// exactly them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { contentsOf, restorePayload, simulate } from '../../src/core/mapping/chainEdits';
import { EVERYTHING, ORPHANS_ONLY, planCleanup } from '../../src/core/mapping/cleanup';
import {
  findLeftovers,
  findLeftoversIn,
  leftoverKey,
  leftoverSummary,
  needsAttention,
  type NamespaceLeftovers,
} from '../../src/core/mapping/leftovers';
import { describePlan, planAdd, planRemoveOwn } from '../../src/core/mapping/plan';
import type { MappingPlan } from '../../src/core/mapping/types';
import type { IptablesDump } from '../../src/core/iptables/types';
import type { IptablesDumpName } from '../../src/core/rules/types';
import type { RuleSet } from '../../src/core/model';

const FIXTURES = join(__dirname, '../../../test/fixtures/iptables');
/**
 * docker-28 with two mappings of ours (tcp 18080, udp 15353) and look-alikes that are not ours, recorded from iptables
 * 1.8.9.
 */
const TEXT = readFileSync(join(FIXTURES, 'netns-explorer.txt'), 'utf8');
const TCP = 'tcp 0.0.0.0:18080 -> 172.17.0.3:80';
const UDP = 'udp 192.0.2.10:15353 -> 172.18.0.3:53';

/** The fixture with every line matching one of `drop` removed, and `add` lines put before the COMMIT of `table`. */
function variant(drop: RegExp[], add: { table: string; lines: string[] } = { table: '', lines: [] }): IptablesDump {
  const lines = TEXT.split('\n').filter((l) => !drop.some((d) => d.test(l)));
  let table = '';
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('*')) table = line.slice(1);
    if (line === 'COMMIT' && table === add.table) out.push(...add.lines);
    out.push(line);
  }
  const dump = parseIptablesSave(out.join('\n'));
  assert.deepEqual(dump.diagnostics, []);
  return dump;
}

const intact = () => variant([]);
/** Every line of ours: our chains' headers and rules, and the jumps into them. The look-alike NETNS-EXPLORERX stays. */
const OURS = /NETNS-EXPLORER-/;
const HOOK = (chain: string) => new RegExp(`^\\[\\d+:\\d+\\] -A ${chain} .*"netns-explorer: hook" -j NETNS-EXPLORER-`);

/** What the touched chains hold after the plan, next to what they should hold: the same dump without `gone`. */
function after(plan: MappingPlan, expected: IptablesDump): void {
  assert.deepEqual(simulate(plan.before, plan.ops), contentsOf(expected, plan.before));
}

describe('leftovers: what an earlier run left', () => {
  it('an intact fixture: both mappings listed as complete, no orphan, and none of the look-alikes', () => {
    const found = findLeftoversIn(intact().tables, 'ipv4');
    assert.deepEqual(
      found.mappings.map((m) => m.title),
      [TCP, UDP],
    );
    for (const m of found.mappings) {
      assert.deepEqual(m.missing, [], m.title);
      assert.equal(m.rules.length, 4, 'DNAT, MASQUERADE and two ACCEPTs');
      assert.ok(m.rules.every((r) => r.chain.startsWith('NETNS-EXPLORER-')));
    }
    assert.deepEqual(found.orphans, []);
    // NETNS-EXPLORERX (hooked with our hook comment, holding a rule with our tag) and Docker's rules whose
    // comments mention netns-explorer are someone else's: the chain name decides, never the comment alone.
    const every = [...found.mappings.flatMap((m) => m.rules)].map((r) => r.text).join('\n');
    assert.doesNotMatch(every, /NETNS-EXPLORERX|7777|7778|9999/);
    assert.equal(
      findLeftoversIn(intact().tables, 'ipv6').mappings.length,
      0,
      'an IPv4 tag in an IPv6 table is not a mapping',
    );
  });

  it('a chain without its hook (Docker recreated DOCKER-USER): the chain is an orphan, the mappings stay listed as incomplete', () => {
    const dump = variant([HOOK('DOCKER-USER')]);
    const found = findLeftoversIn(dump.tables, 'ipv4');
    assert.deepEqual(
      found.orphans.map((o) => [o.kind, o.table, o.chain, o.rules.length]),
      [['unhooked-chain', 'filter', 'NETNS-EXPLORER-FWD', 4]],
    );
    assert.deepEqual(
      found.mappings.map((m) => m.missing),
      [['NETNS-EXPLORER-FWD is not reached'], ['NETNS-EXPLORER-FWD is not reached']],
    );
    const plan = planCleanup(dump, 'ipv4', ORPHANS_ONLY)!;
    assert.deepEqual(
      plan.ops.map((o) => `${o.op} ${o.chain}`),
      [...Array(4).fill('delete NETNS-EXPLORER-FWD'), 'deleteChain NETNS-EXPLORER-FWD'],
    );
    after(plan, variant([HOOK('DOCKER-USER'), /NETNS-EXPLORER-FWD/]));
  });

  it('an empty chain still hooked: the hook goes first, then the chain', () => {
    const dump = variant([/-A NETNS-EXPLORER-FWD /]);
    const found = findLeftoversIn(dump.tables, 'ipv4');
    assert.deepEqual(
      found.orphans.map((o) => [o.kind, o.chain, o.rules.map((r) => r.chain)]),
      [['empty-chain', 'NETNS-EXPLORER-FWD', ['DOCKER-USER']]],
    );
    assert.equal(found.mappings.length, 2, 'the nat half still works: listed, not garbage');
    assert.ok(found.mappings.every((m) => m.missing.length === 2));
    const plan = planCleanup(dump, 'ipv4', ORPHANS_ONLY)!;
    assert.equal(
      restorePayload(plan.ops),
      '*filter\n-D DOCKER-USER -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-FWD\n-X NETNS-EXPLORER-FWD\nCOMMIT\n',
    );
    after(plan, variant([/NETNS-EXPLORER-FWD/]));
  });

  it('a hook to a chain that does not exist (a rewritten dump): the hook alone goes', () => {
    const dump = variant([/^:NETNS-EXPLORER-FWD /, /-A NETNS-EXPLORER-FWD /]);
    const found = findLeftoversIn(dump.tables, 'ipv4');
    assert.deepEqual(
      found.orphans.map((o) => [o.kind, o.table, o.chain, o.rules[0]!.chain]),
      [['hook-without-chain', 'filter', 'NETNS-EXPLORER-FWD', 'DOCKER-USER']],
    );
    const plan = planCleanup(dump, 'ipv4', ORPHANS_ONLY)!;
    assert.deepEqual(
      plan.ops.map((o) => `${o.op} ${o.chain}`),
      ['delete DOCKER-USER'],
    );
  });

  it('a mapping whose DNAT rule was deleted by hand: its other rules are strays; the other mapping is untouched', () => {
    const dump = variant([/-A NETNS-EXPLORER-DNAT .*--dport 18080 /]);
    const found = findLeftoversIn(dump.tables, 'ipv4');
    assert.deepEqual(
      found.mappings.map((m) => m.title),
      [UDP],
    );
    assert.deepEqual(
      found.orphans.map((o) => [o.kind, o.chain, o.rules.length]),
      [
        ['stray-rules', 'NETNS-EXPLORER-POSTROUTING', 1],
        ['stray-rules', 'NETNS-EXPLORER-FWD', 2],
      ],
    );
    const plan = planCleanup(dump, 'ipv4', ORPHANS_ONLY)!;
    assert.ok(
      plan.ops.every((o) => o.op === 'delete' && o.rule.includes(TCP)),
      "only the tcp mapping's rules, no hook, no chain",
    );
    after(plan, variant([new RegExp(TCP)]));
  });

  it('our DNAT chain unhooked: no mapping is in force, and everything of ours goes as orphans', () => {
    const dump = variant([HOOK('PREROUTING'), HOOK('OUTPUT')]);
    const found = findLeftoversIn(dump.tables, 'ipv4');
    assert.deepEqual(found.mappings, []);
    assert.deepEqual(found.orphans.map((o) => o.kind).sort(), ['stray-rules', 'stray-rules', 'unhooked-chain']);
    after(planCleanup(dump, 'ipv4', ORPHANS_ONLY)!, variant([OURS]));
  });

  it('"Remove all": hooks first, our rules, our chains; the dump is the fixture without our lines, look-alikes kept', () => {
    const plan = planCleanup(intact(), 'ipv4', EVERYTHING)!;
    const payload = restorePayload(plan.ops).split('\n');
    assert.deepEqual(
      payload.filter((l) => /^-[DX] /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' ')),
      [
        '-D DOCKER-USER',
        ...Array(4).fill('-D NETNS-EXPLORER-FWD'),
        '-X NETNS-EXPLORER-FWD',
        '-D PREROUTING',
        '-D OUTPUT',
        '-D POSTROUTING',
        ...Array(2).fill('-D NETNS-EXPLORER-DNAT'),
        ...Array(2).fill('-D NETNS-EXPLORER-POSTROUTING'),
        '-X NETNS-EXPLORER-DNAT',
        '-X NETNS-EXPLORER-POSTROUTING',
      ],
    );
    assert.ok(
      !payload.some((l) => /NETNS-EXPLORERX|DOCKER -|-F /.test(l)),
      'never a flush, never a look-alike or Docker rule',
    );
    after(plan, variant([OURS]));
    assert.equal(planCleanup(intact(), 'ipv4', ORPHANS_ONLY), null, 'an intact host has no orphans: nothing to do');
  });

  it('a rule of ours whose comment spans lines is never written into a restore payload (its second line would run as a command)', () => {
    // A comment planted with NET_ADMIN in that namespace; iptables-save prints its newline raw.
    const dump = parseIptablesSave(
      [
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':NETNS-EXPLORER-FWD - [0:0]',
        '-A NETNS-EXPLORER-FWD -m comment --comment "netns-explorer: x',
        '-F FORWARD" -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    );
    assert.deepEqual(dump.diagnostics, []);
    const plan = planCleanup(dump, 'ipv4', EVERYTHING)!;
    assert.ok(
      plan.ops.some((o) => 'rule' in o && o.rule.includes('\n')),
      'the plan names the rule as it is',
    );
    assert.throws(() => restorePayload(plan.ops), /spans lines/);
  });

  it('one mapping chosen by title: its rules only, hooks and chains stay for the other', () => {
    const plan = planCleanup(intact(), 'ipv4', { orphans: false, mappings: [UDP] })!;
    assert.equal(plan.ops.length, 4);
    assert.ok(plan.ops.every((o) => o.op === 'delete' && o.rule.includes(UDP)));
    after(plan, variant([new RegExp(UDP)]));
  });

  it('a chain of ours someone else jumps to is not an orphan, and stays with its hooks', () => {
    const dump = variant([/-A NETNS-EXPLORER-FWD /], {
      table: 'filter',
      lines: ['[0:0] -A FORWARD -o lo -j NETNS-EXPLORER-FWD'],
    });
    assert.deepEqual(findLeftoversIn(dump.tables, 'ipv4').orphans, []);
    assert.equal(planCleanup(dump, 'ipv4', { orphans: true, mappings: [] }), null);
  });

  it('a rule someone else added to our chain stays, and so do the chain and its hook', () => {
    const foreign = '[0:0] -A NETNS-EXPLORER-FWD -s 10.0.0.0/8 -j DROP';
    const dump = variant([], { table: 'filter', lines: [foreign] });
    const plan = planCleanup(dump, 'ipv4', EVERYTHING)!;
    const filter = simulate(plan.before, plan.ops).filter!;
    assert.deepEqual(filter['NETNS-EXPLORER-FWD'], ['-s 10.0.0.0/8 -j DROP']);
    assert.ok(!plan.ops.some((o) => o.chain === 'DOCKER-USER'), 'the hook still leads to the foreign rule');
    assert.equal(simulate(plan.before, plan.ops).nat!['NETNS-EXPLORER-DNAT'], null, 'the nat side is gone');
  });

  it('IPv6: a mapping planted by planAdd is found in its family only', () => {
    const empty = parseIptablesSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n',
    );
    const planned = planAdd(
      empty,
      { family: 'ipv6', protocol: 'tcp', hostIp: null, hostPort: 18086, targetIp: 'fd00:6e78::2', targetPort: 80 },
      [],
    );
    assert.ok(planned.ok);
    const state = simulate(planned.plan.before, planned.plan.ops);
    const policy = (chain: string) => (chain.startsWith('NETNS-EXPLORER-') ? '-' : 'ACCEPT');
    const text = ['nat', 'filter'].flatMap((t) => {
      const chains = Object.entries(state[t]!);
      return [
        `*${t}`,
        ...chains.map(([c]) => `:${c} ${policy(c)} [0:0]`),
        ...chains.flatMap(([c, rules]) => (rules ?? []).map((r) => `-A ${c} ${r}`)),
        'COMMIT',
      ];
    });
    const dump = parseIptablesSave(`${text.join('\n')}\n`);
    const found = findLeftoversIn(dump.tables, 'ipv6');
    assert.deepEqual(
      found.mappings.map((m) => [m.title, m.missing]),
      [['tcp [::]:18086 -> [fd00:6e78::2]:80', []]],
    );
    assert.deepEqual(findLeftoversIn(dump.tables, 'ipv4').mappings, []);
    after(planCleanup(dump, 'ipv6', EVERYTHING)!, empty);
  });
});

describe('removing our last mapping with look-alikes beside it', () => {
  it("takes our hooks and chains, and leaves the look-alikes: the NETNS-EXPLORERX hook and the copies of our tag in Docker's chain", () => {
    let dump = intact();
    for (const title of [TCP, UDP]) {
      const spec = findLeftoversIn(dump.tables, 'ipv4').mappings.find((m) => m.title === title)!.spec;
      const plan = planRemoveOwn(dump, spec)!;
      assert.ok(
        !plan.ops.some(
          (o) =>
            o.chain === 'DOCKER' ||
            o.chain === 'NETNS-EXPLORERX' ||
            (o.op === 'delete' && o.rule.includes('NETNS-EXPLORERX')),
        ),
        describePlan(plan).join('\n'),
      );
      const state = simulate(plan.before, plan.ops);
      // What should be left: the fixture without this mapping (and, after the last one, without anything of ours).
      dump = variant(title === TCP ? [new RegExp(TCP)] : [OURS]);
      assert.deepEqual(state, contentsOf(dump, plan.before));
      if (title === UDP) assert.ok(state.nat!.PREROUTING!.some((r) => r.endsWith('-j NETNS-EXPLORERX')));
    }
  });
});

describe('leftovers across a snapshot, and what the notification says', () => {
  const set = (namespace: string, source: string, dump: IptablesDump, family: 'ipv4' | 'ipv6' = 'ipv4'): RuleSet => ({
    namespace,
    family,
    source: source as IptablesDumpName,
    ruleCount: 0,
    tables: dump.tables,
  });

  it("per namespace, only where there are leftovers; the legacy backend's rule sets are not ours", () => {
    const found = findLeftovers({
      nat: [
        set('1', 'iptables-save', intact()),
        set('2', 'iptables-save', variant([OURS])),
        set('3', 'iptables-legacy-save', intact()),
        set('4', 'iptables-save', variant([HOOK('DOCKER-USER')])),
      ],
    });
    assert.deepEqual(
      found.map((f) => [f.namespace, f.mappings.length, f.orphans.length]),
      [
        ['1', 2, 0],
        ['4', 2, 1],
      ],
    );
  });

  it('says how many mappings are active where, and how many broken pieces', () => {
    const found = findLeftovers({
      nat: [set('1', 'iptables-save', intact()), set('4', 'iptables-save', variant([HOOK('DOCKER-USER')]))],
    });
    const label = (id: string) => (id === '1' ? 'nxl-host' : 'web');
    assert.equal(
      leftoverSummary(found, label),
      '4 port mappings made by Netns Explorer are active in namespaces nxl-host, web (2 incomplete). It also left 1 broken piece of its own rules (hooks, chains or rules no mapping uses) in namespace web.',
    );
    assert.equal(
      leftoverSummary(
        found.slice(0, 1).map((f) => ({ ...f, mappings: f.mappings.slice(0, 1) })),
        label,
      ),
      '1 port mapping made by Netns Explorer is active in namespace nxl-host.',
    );
    const orphansOnly: NamespaceLeftovers[] = [{ ...found[1]!, mappings: [] }];
    assert.match(leftoverSummary(orphansOnly, label), /^Netns Explorer left 1 broken piece /);
  });

  it('asks again only for what the user did not keep; orphans always ask', () => {
    const found = findLeftovers({ nat: [set('1', 'iptables-save', intact())] });
    const keys = new Set([leftoverKey('1', 'ipv4', TCP), leftoverKey('1', 'ipv4', UDP)]);
    assert.equal(needsAttention(found, new Set()), true);
    assert.equal(needsAttention(found, keys), false);
    assert.equal(needsAttention(found, new Set([leftoverKey('1', 'ipv4', TCP)])), true, 'a new mapping since');
    const broken = findLeftovers({ nat: [set('1', 'iptables-save', variant([HOOK('DOCKER-USER')]))] });
    assert.equal(needsAttention(broken, keys), true);
  });
});
