// Port-mapping plans on recorded rule sets: input checks, the exact rules, conflicts, removal back to the original,
// rollback edits.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import {
  contentsOf,
  restorePayload,
  ruleSpec,
  revertOps,
  simulate,
  touchedChains,
} from '../../src/core/mapping/chainEdits';
import { parseSs } from '../../src/core/listeners';
import {
  describePlan,
  findForeignMapping,
  planAdd,
  planRemoveForeign,
  planRemoveOwn,
} from '../../src/core/mapping/plan';
import { mappingComment, specFromComment } from '../../src/core/mapping/rules';
import type { ChainContents, MappingPlan, MappingSpec } from '../../src/core/mapping/types';
import {
  checkAddress,
  checkMappingInput,
  checkNamespaceRef,
  checkPort,
  checkTarget,
} from '../../src/core/mapping/validate';
import { deriveMappings } from '../../src/core/portMappings';
import type { IptablesDump } from '../../src/core/iptables/types';

const FIXTURES = join(__dirname, '../../../test/fixtures/iptables');
const docker28 = () => parseIptablesSave(readFileSync(join(FIXTURES, 'docker-28.txt'), 'utf8'));
const EMPTY = parseIptablesSave(
  '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n',
);

const web: MappingSpec = {
  family: 'ipv4',
  protocol: 'tcp',
  hostIp: null,
  hostPort: 18080,
  targetIp: '172.31.240.2',
  targetPort: 80,
};

function added(dump: IptablesDump, spec: MappingSpec): MappingPlan {
  const planned = planAdd(dump, spec, []);
  assert.ok(planned.ok, planned.ok ? '' : planned.error);
  return planned.plan;
}

/** Applies a plan's edits to a dump's text the way iptables-restore would, via the chain contents. */
function applied(dump: IptablesDump, plan: MappingPlan): IptablesDump {
  const after = simulate(plan.before, plan.ops);
  const tables = dump.tables.map((t) => ({ ...t, chains: [...t.chains] }));
  const lines: string[] = [];
  const names = new Set([...tables.map((t) => t.name), ...Object.keys(after)]);
  for (const name of names) {
    const table = tables.find((t) => t.name === name);
    const chains = new Map<string, string[] | null>((table?.chains ?? []).map((c) => [c.name, c.rules.map(ruleSpec)]));
    for (const [chain, rules] of Object.entries(after[name] ?? {})) chains.set(chain, rules);
    lines.push(`*${name}`);
    for (const [chain, rules] of chains)
      if (rules) lines.push(`:${chain} ${table?.chains.find((c) => c.name === chain)?.policy ?? '-'} [0:0]`);
    for (const [chain, rules] of chains) for (const r of rules ?? []) lines.push(`-A ${chain} ${r}`);
    lines.push('COMMIT');
  }
  return parseIptablesSave(`${lines.join('\n')}\n`);
}

const sameChains = (a: ChainContents, dump: IptablesDump) => assert.deepEqual(contentsOf(dump, a), a);

describe('port mapping input checks', () => {
  it('refuses hostile and out-of-range ports', () => {
    for (const bad of ['0', '65536', 'abc', '80;reboot', '', ' ', '-1', '1e3', '0x50', '８０'])
      assert.equal(checkPort(bad).ok, false, bad);
    assert.deepEqual(checkPort('65535'), { ok: true, value: 65535 });
    assert.deepEqual(checkPort('1'), { ok: true, value: 1 });
  });

  it('refuses hostile addresses and canonicalises IPv6 as iptables-save prints it', () => {
    for (const bad of [
      '1.2.3.4; rm -rf /',
      '--help',
      '256.1.1.1',
      '1.2.3',
      '01.2.3.4',
      'fd00::1::2',
      '::ffff:1.2.3.4',
      'localhost',
      '1.2.3.4/32',
    ]) {
      assert.equal(checkAddress(bad).ok, false, bad);
    }
    assert.deepEqual(checkAddress('FD00:6E78:0:0:0:0:0:2'), {
      ok: true,
      value: { ip: 'fd00:6e78::2', family: 'ipv6' },
    });
    assert.deepEqual(checkAddress('2001:db8:0:0:1:0:0:1'), {
      ok: true,
      value: { ip: '2001:db8::1:0:0:1', family: 'ipv6' },
    });
    assert.deepEqual(checkTarget('[fd00::2]:80'), { ok: true, value: { ip: 'fd00::2', family: 'ipv6', port: 80 } });
    assert.equal(checkTarget('172.31.240.2:80;reboot').ok, false);
  });

  it('refuses namespace names that a tool could read as options', () => {
    for (const bad of ['-x', '--help', '', 'a/b', 'a b', 'a\nb'])
      assert.equal(checkNamespaceRef(bad).ok, false, JSON.stringify(bad));
    assert.equal(checkNamespaceRef('nxl-host').ok, true);
  });

  it('checks a whole mapping: families match, 0.0.0.0 means every address, ::1 and loopback targets refused', () => {
    assert.deepEqual(checkMappingInput({ hostPort: '18080', to: '172.31.240.2:80', hostIp: '0.0.0.0' }), {
      ok: true,
      value: web,
    });
    assert.match(String((checkMappingInput({ hostPort: '1', to: 'fd00::2:80' }) as { error: string }).error), /target/);
    assert.equal(checkMappingInput({ hostPort: '80', to: '[fd00::2]:80', hostIp: '198.18.0.1' }).ok, false);
    assert.equal(checkMappingInput({ hostPort: '80', to: '[fd00::2]:80', hostIp: '::1' }).ok, false);
    assert.equal(checkMappingInput({ hostPort: '80', to: '127.0.0.1:80' }).ok, false);
    assert.equal(checkMappingInput({ hostPort: '80', to: '172.31.240.2:80', protocol: 'icmp' }).ok, false);
  });
});

describe('port mapping plans', () => {
  it('writes the Docker-semantics rules in our own chains, hooked from PREROUTING, OUTPUT, POSTROUTING and DOCKER-USER', () => {
    const plan = added(docker28(), web);
    const c = '"netns-explorer: tcp 0.0.0.0:18080 -> 172.31.240.2:80"';
    const h = '"netns-explorer: hook"';
    assert.deepEqual(describePlan(plan), [
      'nat: -N NETNS-EXPLORER-DNAT',
      'nat: -N NETNS-EXPLORER-POSTROUTING',
      `nat: -A NETNS-EXPLORER-DNAT ! -d 127.0.0.0/8 -p tcp -m tcp --dport 18080 -m comment --comment ${c} -j DNAT --to-destination 172.31.240.2:80`,
      `nat: -A NETNS-EXPLORER-POSTROUTING -s 172.31.240.2/32 -d 172.31.240.2/32 -p tcp -m tcp --dport 80 -m comment --comment ${c} -j MASQUERADE`,
      `nat: -I PREROUTING 1 -m addrtype --dst-type LOCAL -m comment --comment ${h} -j NETNS-EXPLORER-DNAT`,
      `nat: -I OUTPUT 1 -m addrtype --dst-type LOCAL -m comment --comment ${h} -j NETNS-EXPLORER-DNAT`,
      `nat: -I POSTROUTING 1 -m comment --comment ${h} -j NETNS-EXPLORER-POSTROUTING`,
      'filter: -N NETNS-EXPLORER-FWD',
      `filter: -A NETNS-EXPLORER-FWD -d 172.31.240.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 18080 -m comment --comment ${c} -j ACCEPT`,
      `filter: -A NETNS-EXPLORER-FWD -s 172.31.240.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment ${c} -j ACCEPT`,
      `filter: -I DOCKER-USER 1 -m comment --comment ${h} -j NETNS-EXPLORER-FWD`,
    ]);
    assert.equal(plan.needsRouteLocalnet, false);
    const payload = restorePayload(plan.ops);
    assert.match(payload, /^\*nat\n-N NETNS-EXPLORER-DNAT\n[\s\S]*COMMIT\n\*filter\n[\s\S]*COMMIT\n$/);
    assert.doesNotMatch(payload, /^:/m, 'no chain headers: one on an existing chain would flush it');
  });

  it('hooks the filter chain at the top of FORWARD when there is no DOCKER-USER, and binds to one address', () => {
    const plan = added(EMPTY, { ...web, hostIp: '198.18.0.1' });
    assert.ok(
      describePlan(plan).includes(
        'filter: -I FORWARD 1 -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-FWD',
      ),
    );
    assert.ok(describePlan(plan).some((l) => l.includes('-A NETNS-EXPLORER-DNAT -d 198.18.0.1/32 -p tcp')));
  });

  it('a 127.0.0.1 mapping matches only loopback, masquerades the loopback source and asks for route_localnet', () => {
    const plan = added(EMPTY, { ...web, hostIp: '127.0.0.1' });
    const text = describePlan(plan).join('\n');
    assert.match(text, /-A NETNS-EXPLORER-DNAT -d 127\.0\.0\.1\/32 -p tcp/);
    assert.match(text, /-A NETNS-EXPLORER-POSTROUTING -s 127\.0\.0\.0\/8 -d 172\.31\.240\.2\/32 .* -j MASQUERADE/);
    assert.equal(plan.needsRouteLocalnet, true);
  });

  it('a 127.0.0.1 mapping drops packets to 127.0.0.0/8 on its port from anything but lo, in raw (CVE-2020-8558)', () => {
    const plan = added(docker28(), { ...web, hostIp: '127.0.0.1' });
    const text = describePlan(plan).join('\n');
    assert.match(text, /raw: -N NETNS-EXPLORER-RAW/);
    assert.match(text, /raw: -A NETNS-EXPLORER-RAW -d 127\.0\.0\.0\/8 ! -i lo -p tcp -m tcp --dport 18080 .* -j DROP/);
    assert.match(text, /raw: -I PREROUTING 1 -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-RAW/);
    const after = applied(docker28(), plan);
    assert.equal(
      after.tables.find((t) => t.name === 'raw')?.chains.find((c) => c.name === 'PREROUTING')?.rules[0]?.target?.name,
      'NETNS-EXPLORER-RAW',
    );
    // A mapping on every address needs no raw chain.
    assert.doesNotMatch(describePlan(added(docker28(), web)).join('\n'), /raw:/);
  });

  it('removing the 127.0.0.1 mapping takes the raw chain and its hook, while other mappings stay', () => {
    const both = applied(
      applied(docker28(), added(docker28(), web)),
      added(applied(docker28(), added(docker28(), web)), { ...web, hostPort: 18081, hostIp: '127.0.0.1' }),
    );
    const removal = planRemoveOwn(both, { ...web, hostPort: 18081, hostIp: '127.0.0.1' });
    assert.ok(removal);
    const text = describePlan(removal).join('\n');
    assert.match(text, /raw: -D PREROUTING -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-RAW/);
    assert.match(text, /raw: -X NETNS-EXPLORER-RAW/);
    assert.doesNotMatch(text, /-X NETNS-EXPLORER-DNAT|-X NETNS-EXPLORER-FWD/);
    const after = applied(both, removal);
    const before = docker28();
    assert.deepEqual(
      after.tables.find((t) => t.name === 'raw')?.chains.map((c) => [c.name, c.rules.map((r) => r.text)]),
      before.tables
        .find((t) => t.name === 'raw')
        ?.chains.map((c) => [c.name, c.rules.map((r) => r.text.replace(/^\[\d+:\d+\] /, ''))]),
    );
  });

  it('the forward ACCEPT takes only what this mapping DNATed: its original port, not any packet to the target', () => {
    const text = describePlan(added(docker28(), web)).join('\n');
    assert.match(
      text,
      /-A NETNS-EXPLORER-FWD -d 172\.31\.240\.2\/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 18080 /,
    );
  });

  it('IPv6: brackets in the DNAT target, ::1 excluded, /128 prefixes', () => {
    const plan = added(EMPTY, { ...web, family: 'ipv6', targetIp: 'fd00:6e78::2' });
    const text = describePlan(plan).join('\n');
    assert.match(text, /! -d ::1\/128 -p tcp -m tcp --dport 18080 .* -j DNAT --to-destination \[fd00:6e78::2\]:80/);
    assert.match(text, /-s fd00:6e78::2\/128 -d fd00:6e78::2\/128/);
  });

  it('the tagging comment reads back as the mapping', () => {
    for (const spec of [
      web,
      { ...web, hostIp: '127.0.0.1', protocol: 'udp' as const },
      { ...web, family: 'ipv6' as const, targetIp: 'fd00::2', hostIp: 'fd00:6e79::1' },
    ]) {
      assert.deepEqual(specFromComment(mappingComment(spec)), spec);
    }
    assert.equal(specFromComment('netns-explorer: hook'), null);
  });

  it('the new DNAT rule is derived as a mapping owned by netns-explorer, reached from PREROUTING and OUTPUT', () => {
    const after = applied(docker28(), added(docker28(), web));
    const mine = deriveMappings(
      after.tables.find((t) => t.name === 'nat')!,
      'ns',
      'ipv4',
    ).filter((m) => m.hostPort === 18080);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.owner, 'netns-explorer');
    assert.deepEqual([...mine[0]!.hooks].sort(), ['OUTPUT', 'PREROUTING']);
    assert.equal(mine[0]!.hostIp, '0.0.0.0');
  });

  it('removing the last mapping takes the hooks and chains too: every chain is back as it was', () => {
    const before = docker28();
    const first = applied(before, added(before, web));
    const second = applied(first, added(first, { ...web, hostPort: 18081, protocol: 'udp' }));
    assert.equal(
      added(first, { ...web, hostPort: 18081, protocol: 'udp' }).ops.filter(
        (o) => o.op === 'insert' || o.op === 'newChain',
      ).length,
      0,
      'hooks and chains are made once',
    );
    const less = applied(second, planRemoveOwn(second, { ...web, hostPort: 18081, protocol: 'udp' })!);
    sameChains(contentsOf(first, touchedChains(second, added(before, web).ops)), less);
    const removal = planRemoveOwn(less, web)!;
    assert.ok(removal.ops.some((o) => o.op === 'deleteChain' && o.chain === 'NETNS-EXPLORER-FWD'));
    const none = applied(less, removal);
    sameChains(contentsOf(before, removal.before), none);
  });

  it('reverting a partly applied plan (nat committed, filter failed) gives back exactly the chains before', () => {
    const before = docker28();
    const plan = added(before, web);
    const natOnly = simulate(
      plan.before,
      plan.ops.filter((o) => o.table === 'nat'),
    );
    const undo = revertOps(plan.ops, plan.before, natOnly);
    assert.deepEqual(simulate(natOnly, undo), plan.before);
    assert.ok(undo.every((o) => o.op === 'delete' || o.op === 'deleteChain'));
  });

  it('undoing a removal puts rules back in their places, even with rules others added since', () => {
    const before = docker28();
    const found = findForeignMapping(before, { family: 'ipv4', protocol: 'tcp', hostPort: 6379 })!;
    assert.equal(found.owner, 'docker');
    const plan = planRemoveForeign(before, 'ipv4', found);
    assert.ok(plan.ops.length >= 2, describePlan(plan).join('\n'));
    const removed = simulate(plan.before, plan.ops);
    removed.nat!.DOCKER!.push('-p tcp -m tcp --dport 9999 -j DNAT --to-destination 172.17.0.9:80');
    const undone = simulate(removed, revertOps(plan.ops, plan.before, removed));
    assert.deepEqual(undone.nat!.DOCKER!.slice(0, -1), plan.before.nat!.DOCKER);
    assert.match(undone.nat!.DOCKER!.at(-1)!, /--dport 9999/);
  });
});

describe('port mapping conflicts', () => {
  it('refuses a port Docker publishes, naming Docker and the rule', () => {
    const planned = planAdd(docker28(), { ...web, hostPort: 6379 }, []);
    assert.equal(planned.ok, false);
    if (planned.ok) return;
    assert.match(planned.error, /already published by Docker: 0\.0\.0\.0:6379\/tcp → 172\.17\.0\.2:6379/);
    assert.equal(planned.conflicts[0]!.owner, 'docker');
  });

  it('a mapping bound to one address conflicts with any-address ones and with the same address, not with others', () => {
    assert.equal(planAdd(docker28(), { ...web, hostPort: 8443, hostIp: '192.0.2.10' }, []).ok, false);
    assert.equal(planAdd(docker28(), { ...web, hostPort: 8443, hostIp: '192.0.2.11' }, []).ok, true);
    assert.equal(planAdd(docker28(), { ...web, hostPort: 6379, protocol: 'udp' }, []).ok, true);
  });

  it('refuses another mapping of ours on the same port', () => {
    const first = applied(EMPTY, added(EMPTY, web));
    const planned = planAdd(first, { ...web, targetIp: '172.31.240.3' }, []);
    assert.equal(planned.ok, false);
    assert.match(planned.ok ? '' : planned.error, /Netns Explorer/);
  });

  it('refuses a port a process listens on, naming the process', () => {
    const ss =
      'udp UNCONN 0 0 0.0.0.0:5300 0.0.0.0:* users:(("node",pid=26881,fd=20))\ntcp LISTEN 0 511 *:18080 *:* users:(("nginx",pid=12,fd=6),("nginx",pid=13,fd=6))\ntcp LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:*\n';
    const listeners = parseSs(ss).listeners;
    assert.deepEqual(
      listeners.map((l) => `${l.protocol} ${l.address} ${l.port} ${l.processes.map((p) => p.pid).join(',')}`),
      ['udp 0.0.0.0 5300 26881', 'tcp * 18080 12,13', 'tcp 127.0.0.53 53 '],
    );
    const planned = planAdd(EMPTY, web, listeners);
    assert.equal(planned.ok, false);
    assert.match(
      planned.ok ? '' : planned.error,
      /"nginx" \(pid 12\), "nginx" \(pid 13\) already listens on \*:18080\/tcp/,
    );
    assert.equal(planAdd(EMPTY, { ...web, protocol: 'udp' }, listeners).ok, true);
  });

  it('refuses to add into a chain of our name that holds rules we did not write', () => {
    const taken = parseIptablesSave(
      '*filter\n:FORWARD ACCEPT [0:0]\n:NETNS-EXPLORER-FWD - [0:0]\n-A NETNS-EXPLORER-FWD -j DROP\nCOMMIT\n',
    );
    const planned = planAdd(taken, web, []);
    assert.equal(planned.ok, false);
    assert.match(planned.ok ? '' : planned.error, /did not write/);
  });
});
