// Native nftables: the JSON reader, the printer against nft's own text, the plain-language explanations, and the port
// mappings of Docker 29's, kube-proxy's, Netavark's and firewalld's layouts. The fixtures were dumped from the lab
// (test/lab/nftLab.ts), whose rule sets the real `nft -f` loaded.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainNftRule } from '../../src/core/nft/explain';
import { nftMappings } from '../../src/core/nft/mappings';
import { mergeNftJson, nativeTablesOf, parseNftJson } from '../../src/core/nft/parse';
import { natBackend, planNftAdd, planNftRemove } from '../../src/core/mapping/nft';
import { printRule } from '../../src/core/nft/print';
import type { NftRule, NftRuleset, NftTable } from '../../src/core/nft/types';
import { iptablesRules } from '../../src/core/rules/iptables';
import { nftRules, priorityText } from '../../src/core/rules/nft';
import type { NftRuleSet, RuleSet } from '../../src/core/rules/types';
import { backendsOf } from '../../src/core/rules/backends';
import { FIXTURES } from './fuzz-config';

const SHAPES = ['d29', 'kp', 'nv', 'fw', 'mx'] as const;
const fixture = (name: string) => readFileSync(join(FIXTURES, 'nft', name), 'utf8');

function ruleset(shape: string): NftRuleset {
  const { ruleset: r, diagnostics } = parseNftJson(fixture(`${shape}.json`));
  assert.deepEqual(diagnostics, []);
  return r;
}

function allRules(r: NftRuleset): NftRule[] {
  return r.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
}

function tableOf(r: NftRuleset, key: string): NftTable {
  const t = r.tables.find((x) => x.key === key);
  assert.ok(t, `table ${key}`);
  return t;
}

function ruleIn(r: NftRuleset, chain: string, index = 0): NftRule {
  const rule = r.tables.flatMap((t) => t.chains).find((c) => c.name === chain)?.rules[index];
  assert.ok(rule, `${chain} rule ${index + 1}`);
  return rule;
}

describe('nft -j list ruleset', () => {
  it('reads tables, base chains (type, hook, priority, policy), regular chains, rules with handles, sets and maps', () => {
    const d29 = ruleset('d29');
    const t = tableOf(d29, 'ip docker-bridges');
    assert.equal(t.family, 'ip');
    const fwd = t.chains.find((c) => c.name === 'filter-FORWARD');
    assert.deepEqual(fwd?.base, { type: 'filter', hook: 'forward', priority: 0, policy: 'accept', device: null });
    assert.equal(t.chains.find((c) => c.name === 'nat-prerouting-and-output')?.base, null);
    assert.ok(allRules(d29).every((r) => r.handle > 0));
    const jumps = t.sets.find((s) => s.name === 'filter-forward-in-jumps');
    assert.equal(jumps?.kind, 'vmap');
    assert.deepEqual(jumps?.keyType, ['ifname']);
    const kp = tableOf(ruleset('kp'), 'ip kube-proxy');
    const services = kp.sets.find((s) => s.name === 'service-ips');
    assert.deepEqual(services?.keyType, ['ipv4_addr', 'inet_proto', 'inet_service']);
    assert.equal(services?.kind, 'vmap');
    assert.equal(services?.elements.length, 1);
    const ips = kp.sets.find((s) => s.name === 'cluster-ips');
    assert.equal(ips?.kind, 'set');
    assert.equal(ips?.elements.length, 2);
    assert.equal(kp.chains.find((c) => c.name === 'filter-forward')?.base?.priority, -110);
  });

  it('prints every rule of every fixture as nft itself lists it', () => {
    for (const shape of SHAPES) {
      // nft's text, rule lines only, with the counters' values dropped (the view shows counters apart).
      const listed = new Set(
        fixture(`${shape}.nft`)
          .split('\n')
          .map((l) => l.trim().replace(/counter packets \d+ bytes \d+/g, 'counter'))
          .filter(Boolean),
      );
      // iptables-nft's compat expressions (`xt`) nft prints as their iptables translation, which its JSON does not
      // carry; those tables are shown as iptables anyway.
      for (const rule of allRules(ruleset(shape)).filter((r) => !r.text.includes('xt ')))
        assert.ok(listed.has(rule.text), `${shape}: ${rule.text} is not a line of nft's listing`);
    }
  });

  it('sums counters and keeps them as decimal strings', () => {
    const r = parseNftJson(
      JSON.stringify({
        nftables: [
          { table: { family: 'ip', name: 't', handle: 1 } },
          { chain: { family: 'ip', table: 't', name: 'c', handle: 1 } },
          {
            rule: {
              family: 'ip',
              table: 't',
              chain: 'c',
              handle: 2,
              expr: [{ counter: { packets: 'BIG', bytes: 12 } }, { accept: null }],
            },
          },
        ],
      }).replace('"BIG"', '9007199254740993'),
    );
    // Past 2^53 a JSON number arrives rounded (docs/NFTABLES.md): the count is close, never a crash.
    assert.equal(allRules(r.ruleset)[0]?.counters?.packets, '9007199254740992');
    assert.equal(allRules(r.ruleset)[0]?.counters?.bytes, '12');
    assert.equal(allRules(r.ruleset)[0]?.text, 'counter accept');
  });

  it('names what it cannot read and keeps the rest', () => {
    const r = parseNftJson(
      JSON.stringify({
        nftables: [
          { table: { family: 'ip', name: 't', handle: 1 } },
          { chain: { family: 'nope', table: 't', name: 'x' } },
          { rule: { family: 'ip', table: 't', chain: 'missing', handle: 3, expr: [] } },
          { chain: { family: 'ip', table: 't', name: 'c', handle: 2 } },
          [1, 2],
        ],
      }),
    );
    assert.equal(r.ruleset.tables[0]?.chains.length, 1);
    assert.equal(r.diagnostics.length, 3);
    assert.equal(parseNftJson('{"nftables": ').diagnostics.length, 1);
    assert.deepEqual(parseNftJson('').ruleset.tables, []);
  });

  it('shows iptables-nft tables once, as iptables: they are in the iptables dump of that family', () => {
    const ipt = iptablesRules.read(
      '1',
      {
        family: 'ipv4',
        source: 'iptables-save',
        command: 'iptables-save',
        text: fixture('mx.iptables-save.txt'),
      },
      [],
    ).set;
    const sets: RuleSet[] = [ipt];
    const nft = nftRules.read(
      '1',
      { family: 'all', source: 'nft', command: 'nft', text: fixture('mx.json') },
      sets,
    ).set;
    assert.deepEqual(
      nft.ruleset.tables.map((t) => [t.key, t.iptables]),
      [
        ['ip nat', true],
        ['ip filter', true],
        ['inet nxn-guard', false],
      ],
    );
    assert.deepEqual(
      nftRules.tables(nft).map((t) => t.name),
      ['inet nxn-guard'],
    );
    assert.equal(nft.ruleCount, 4);
    assert.deepEqual(
      backendsOf([ipt, nft], '1').map((b) => [b.backend, b.rules, b.tables.join(',')]),
      [
        ['iptables-nft', 8, 'filter,nat'],
        ['nftables', 4, 'inet nxn-guard'],
      ],
    );
    // With legacy iptables the same table names in nft are native tables: nothing to share.
    const legacy = { ...ipt, backend: 'legacy' as const };
    const alone = nftRules.read('1', { family: 'all', source: 'nft', command: 'nft', text: fixture('mx.json') }, [
      legacy,
    ]);
    assert.ok(alone.set.ruleset.tables.every((t) => !t.iptables));
  });

  it('leaves a table iptables-save calls incompatible to nft: its iptables listing would be wrong', () => {
    const text = [
      "# Table `nat' contains incompatible base-chains, use 'nft' tool to list them.",
      '# Generated by iptables-save v1.8.9 (nf_tables) on Fri Dec  4 22:46:19 2026',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':my - [0:0]',
      '-A my -j ACCEPT',
      'COMMIT',
      '*filter',
      ':INPUT ACCEPT [0:0]',
      'COMMIT',
      '',
    ].join('\n');
    const set = iptablesRules.read('1', { family: 'ipv4', source: 'iptables-save', command: 'x', text }, []).set;
    assert.deepEqual(
      set.tables.map((t) => t.name),
      ['filter'],
    );
    assert.equal(set.backend, 'nf_tables');
  });

  it('prints priorities by nft name where nft would', () => {
    assert.equal(priorityText('prerouting', -100), 'dstnat');
    assert.equal(priorityText('postrouting', 100), 'srcnat');
    assert.equal(priorityText('forward', 10), 'filter + 10');
    assert.equal(priorityText('prerouting', -300), 'raw');
    assert.equal(priorityText('forward', -110), '-110');
  });
});

describe('nft rules in words', () => {
  const words = (shape: string, chain: string, index = 0) => {
    const r = ruleset(shape);
    const table = r.tables.find((t) => t.chains.some((c) => c.name === chain)) as NftTable;
    return explainNftRule(ruleIn(r, chain, index), { sets: new Map(table.sets.map((s) => [s.name, s])) });
  };

  it('DNAT, with the interface it excludes', () => {
    assert.equal(
      words('d29', 'nat-prerouting-and-output'),
      'If the input interface is not "br0" and the TCP destination port is 8080: rewrites the destination (DNAT) to 10.90.1.2:80 and accepts the packet in this chain. Comment: "DNAT".',
    );
  });

  it('masquerade, source prefix and an excluded output interface', () => {
    assert.match(
      words('d29', 'nat-postrouting-out__br0'),
      /the output interface is not "br0" and the source address is 10\.90\.1\.0\/24: rewrites the source to the outgoing interface's address \(masquerade\)/,
    );
  });

  it('verdict maps by interface and by address, protocol and port, named by their entry count', () => {
    assert.equal(
      words('d29', 'filter-FORWARD'),
      'Every packet here: looks up iifname in the verdict map @filter-forward-in-jumps (1 entry) and takes the verdict of the entry found; with none the rule goes on.',
    );
    assert.match(
      words('kp', 'services'),
      /looks up ip daddr \. meta l4proto \. th dport in the verdict map @service-ips \(1 entry\)/,
    );
    assert.match(
      words('kp', 'services', 1),
      /^If the destination address is one of the 1 entry of the named set @nodeport-ips:/,
    );
  });

  it('ct state, ct status dnat, fib daddr type local, jump and goto', () => {
    assert.equal(
      words('d29', 'filter-forward-out__br0'),
      'If the connection is established or related: accepts the packet in this base chain (base chains of other tables at this hook still see it).',
    );
    assert.match(
      words('d29', 'filter-forward-out__br0', 1),
      /^If the connection was DNATed \(conntrack\): jumps to filter-forward-out__br0__protos/,
    );
    assert.match(
      words('d29', 'nat-PREROUTING'),
      /^If the destination is a local address of this namespace: jumps to nat-prerouting-and-output/,
    );
    assert.match(
      words('fw', 'filter_INPUT_ZONES', 2),
      /^Every packet here: goes to filter_IN_public \(without coming back\)/,
    );
  });

  it('reject, return, marks and numgen', () => {
    assert.match(words('fw', 'filter_INPUT', 5), /rejects the packet \(admin-prohibited\)/);
    assert.match(
      words('kp', 'masquerading'),
      /^If the packet mark masked with 0x4000 is 0: returns to the calling chain/,
    );
    assert.match(words('kp', 'mark-for-masquerade'), /sets meta mark to meta mark \| 0x00004000/);
    assert.match(
      words('kp', 'service-42NFTM6N-default/web/tcp/http', 1),
      /looks up numgen random mod 2 in the verdict map/,
    );
  });

  it('interface wildcards and anonymous sets', () => {
    const rule = (expr: unknown[]) =>
      explainNftRule(
        {
          table: 'ip t',
          chain: 'c',
          index: 0,
          handle: 1,
          expr: expr as never,
          comment: null,
          counters: null,
          text: '',
        },
        { sets: new Map() },
      );
    assert.match(
      rule([{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth*' } }, { drop: null }]),
      /^If the input interface is any name starting with "veth": drops the packet\.$/,
    );
    assert.match(
      rule([
        { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: [80, 443] } } },
        { accept: null },
      ]),
      /TCP destination port is 80 or 443/,
    );
  });

  it('shows what it does not know raw, and says so', () => {
    const text = explainNftRule(
      {
        table: 'ip t',
        chain: 'c',
        index: 0,
        handle: 1,
        expr: [{ match: { op: '==', left: { osf: { key: 'name' } }, right: 'Linux' } }, { synproxy: { mss: 1460 } }],
        comment: null,
        counters: null,
        text: '',
      },
      { sets: new Map() },
    );
    assert.match(text, /`osf name Linux` \(not interpreted\)/);
    assert.match(text, /\{"synproxy":\{"mss":1460\}\}` \(not interpreted\)/);
    assert.equal(printRule([{ synproxy: { mss: 1460 } }], null), '{"synproxy":{"mss":1460}}');
  });
});

describe('port mappings from native nftables', () => {
  const rows = (shape: string) =>
    nftMappings(
      ruleset(shape).tables.filter((t) => !t.iptables),
      '1',
    ).map(
      (m) =>
        `${m.protocol} ${m.hostIp}:${m.hostPort} → ${m.targetIp}:${m.targetPort} [${m.chainPath.join(' → ')}] ${m.owner} ${m.hooks.join(',')}`,
    );

  it("Docker 29's: prerouting and output through the local-destination jump", () => {
    assert.deepEqual(rows('d29'), [
      'tcp 0.0.0.0:8080 → 10.90.1.2:80 [nat-PREROUTING → nat-prerouting-and-output] docker PREROUTING,OUTPUT',
    ]);
  });

  it("kube-proxy's: ClusterIP and NodePort through verdict maps and numgen, each endpoint", () => {
    assert.deepEqual(rows('kp').sort(), [
      'tcp 10.96.0.10:80 → 10.90.2.2:80 [nat-prerouting → services → service-42NFTM6N-default/web/tcp/http → endpoint-A-default/web/tcp/http__10.90.2.2/80] kubernetes PREROUTING,OUTPUT',
      'tcp 10.96.0.10:80 → 10.90.2.3:80 [nat-prerouting → services → service-42NFTM6N-default/web/tcp/http → endpoint-B-default/web/tcp/http__10.90.2.3/80] kubernetes PREROUTING,OUTPUT',
      'tcp 198.19.22.1:30080 → 10.90.2.2:80 [nat-prerouting → services → external-42NFTM6N-default/web/tcp/http → service-42NFTM6N-default/web/tcp/http → endpoint-A-default/web/tcp/http__10.90.2.2/80] kubernetes PREROUTING,OUTPUT',
      'tcp 198.19.22.1:30080 → 10.90.2.3:80 [nat-prerouting → services → external-42NFTM6N-default/web/tcp/http → service-42NFTM6N-default/web/tcp/http → endpoint-B-default/web/tcp/http__10.90.2.3/80] kubernetes PREROUTING,OUTPUT',
    ]);
  });

  it("Netavark's and firewalld's", () => {
    assert.deepEqual(rows('nv'), [
      'tcp 0.0.0.0:8081 → 10.90.3.2:80 [PREROUTING → NETAVARK-HOSTPORT-DNAT → nv_2f259bab_10_90_3_0_nm24_dnat] podman PREROUTING,OUTPUT',
    ]);
    assert.deepEqual(rows('fw'), [
      'tcp 0.0.0.0:8082 → 10.90.4.2:80 [nat_PREROUTING → nat_PREROUTING_ZONES → nat_PRE_public → nat_PRE_public_allow] firewalld PREROUTING',
    ]);
  });

  it('names the rule by table key, chain and position, as the NAT view does', () => {
    const [m] = nftMappings(ruleset('fw').tables, '1');
    assert.deepEqual(m?.ruleRef, { table: 'inet firewalld', chain: 'nat_PRE_public_allow', index: 0 });
    const set: NftRuleSet = { namespace: '1', family: 'all', source: 'nft', ruleCount: 0, ruleset: ruleset('fw') };
    assert.equal(nftRules.rule(set, m!.ruleRef)?.text, m?.rule);
  });
});

describe('what is read, and where a mapping goes', () => {
  it('lists only the tables iptables-nft did not make: capitals for hooks, iptables names, ip and ip6', () => {
    const chains = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { chain: { family: 'ip', table: 'nat', name: 'PREROUTING', hook: 'prerouting', prio: -100 } },
        { chain: { family: 'ip', table: 'nat', name: 'KUBE-SERVICES' } },
        { chain: { family: 'ip6', table: 'filter', name: 'DOCKER-USER' } },
        { chain: { family: 'ip', table: 'filter', name: 'input', hook: 'input', prio: 0 } },
        { chain: { family: 'inet', table: 'filter', name: 'INPUT', hook: 'input', prio: 0 } },
        { chain: { family: 'ip', table: 'docker-bridges', name: 'filter-FORWARD', hook: 'forward', prio: 0 } },
      ],
    });
    assert.deepEqual(nativeTablesOf(chains), [
      { family: 'ip', name: 'filter' },
      { family: 'inet', name: 'filter' },
      { family: 'ip', name: 'docker-bridges' },
    ]);
    assert.equal(nativeTablesOf('not json'), null);
    assert.deepEqual(
      JSON.parse(
        mergeNftJson([
          JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: 'ip', name: 'a' } }] }),
          JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: 'ip', name: 'b' } }] }),
        ]),
      ).nftables.length,
      3,
    );
  });

  it('maps into nft only where iptables has no nat table and a native table does NAT at prerouting', () => {
    const nv = ruleset('nv').tables;
    const d29 = ruleset('d29').tables;
    const fw = ruleset('fw').tables;
    assert.equal(natBackend(null, nv, 'ipv4'), 'nft');
    assert.equal(natBackend(null, fw, 'ipv6'), 'nft', 'an inet table sees both families');
    assert.equal(natBackend(null, d29, 'ipv6'), 'iptables', 'ip docker-bridges does not NAT IPv6');
    assert.equal(natBackend(null, [], 'ipv4'), 'iptables', 'a namespace with nothing stays on iptables');
    const withNat = { tables: [{ name: 'nat', chains: [] }], diagnostics: [] };
    assert.equal(natBackend(withNat, nv, 'ipv4'), 'iptables');
  });

  it("plans our table's rules, and removes the table with its last mapping", () => {
    const spec = {
      family: 'ipv4' as const,
      protocol: 'tcp' as const,
      hostIp: null,
      hostPort: 9090,
      targetIp: '10.90.3.3',
      targetPort: 80,
    };
    const base = ruleset('nv');
    const planned = planNftAdd(base, base.tables, spec, [], null);
    assert.ok(planned.ok);
    assert.match(planned.plan.nft ?? '', /^add rule ip netns-explorer prerouting fib daddr type local jump mappings/m);
    assert.match(
      planned.plan.nft ?? '',
      /^add rule ip netns-explorer mappings tcp dport 9090 dnat to 10\.90\.3\.3:80/m,
    );
    const taken = planNftAdd(base, base.tables, { ...spec, hostPort: 8081 }, [], null);
    assert.ok(!taken.ok && /published by Podman/.test(taken.error));
    assert.ok(!planNftAdd(base, base.tables, { ...spec, hostIp: '127.0.0.1' }, [], null).ok);
    assert.equal(planNftRemove(base, spec), null, 'nothing of ours to remove');
  });
});
