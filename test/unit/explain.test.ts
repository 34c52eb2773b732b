// Rule explanations, chain paths and owners, checked on the recorded Docker, kube-proxy, Podman and edge-case rule
// sets.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainGraph, MAX_PATHS, chainPaths, inheritedConditions } from '../../src/core/explain/chainPath';
import { chainOwner, pathOwner } from '../../src/core/explain/owner';
import { describeConditions, explainRule, uninterpretedOf, type ExplainContext } from '../../src/core/explain/rule';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import type { Rule, Table } from '../../src/core/iptables/types';
import { escapeMarkdown } from '../../src/core/markdown';
import { deriveMappings } from '../../src/core/portMappings';

const FIXTURES = join(__dirname, '../../../test/fixtures/iptables');

function tables(fixture: string): Table[] {
  const dump = parseIptablesSave(readFileSync(join(FIXTURES, fixture), 'utf8'));
  assert.deepEqual(dump.diagnostics, []);
  return dump.tables;
}

function table(fixture: string, name: string): Table {
  const found = tables(fixture).find((t) => t.name === name);
  assert.ok(found, `${fixture} has table ${name}`);
  return found;
}

/** The one rule of `chain` whose text contains `fragment`. */
function rule(t: Table, chain: string, fragment: string): Rule {
  const rules = t.chains.find((c) => c.name === chain)?.rules.filter((r) => r.text.includes(fragment)) ?? [];
  assert.equal(rules.length, 1, `exactly one rule in ${chain} containing ${fragment}`);
  return rules[0];
}

/** Explains a rule as the tree does: owners from a fixed address book, the chain's local-only flag from the graph. */
function explain(t: Table, r: Rule, owners: Record<string, string> = {}): string {
  return explainRule(r, {
    addressOwner: (ip) => owners[ip],
    reachedOnlyForLocalDestination: new ChainGraph(t).onlyForLocalDestination(r.chain),
  });
}

/** A table from hand-written rules, for shapes no fixture has. */
function handWritten(name: string, chains: string[], rules: string[]): Table {
  const builtins = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
  const text = [
    `*${name}`,
    ...builtins.map((c) => `:${c} ACCEPT [0:0]`),
    ...chains.map((c) => `:${c} - [0:0]`),
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
  const dump = parseIptablesSave(text);
  assert.deepEqual(dump.diagnostics, []);
  return dump.tables[0];
}

function explainLine(line: string, ctx: ExplainContext = {}): string {
  const t = handWritten('filter', ['X', 'my-chain'], [line]);
  const found = t.chains.flatMap((c) => c.rules)[0];
  return explainRule(found, ctx);
}

describe('explainRule on Docker rule sets', () => {
  const nat = table('docker-27.txt', 'nat');
  const filter = table('docker-27.txt', 'filter');
  const owners = { '172.17.0.2': 'redis', '172.17.0.3': 'web' };

  it('says a published port is rewritten to the container, on any local address', () => {
    const dnat = rule(nat, 'DOCKER', '--dport 6379');
    assert.equal(
      explain(nat, dnat, owners),
      'TCP to any local address, port 6379, arriving on any interface except docker0, is rewritten to 172.17.0.2:6379 (container redis).',
    );
    // The conditions of one path, as the tree passes them, give the same sentence.
    const path = chainPaths(nat, 'DOCKER')[0];
    assert.equal(
      explainRule(dnat, {
        addressOwner: (ip) => (ip === '172.17.0.2' ? 'redis' : undefined),
        inheritedConditions: inheritedConditions(nat, path),
      }),
      'TCP to any local address, port 6379, arriving on any interface except docker0, is rewritten to 172.17.0.2:6379 (container redis).',
    );
    // Without knowing how the chain is reached, the rule alone says less.
    assert.equal(
      explainRule(dnat),
      'TCP to port 6379, arriving on any interface except docker0, is rewritten to 172.17.0.2:6379.',
    );
  });

  it('keeps an explicit host address, a port range and udp', () => {
    assert.equal(
      explain(nat, rule(nat, 'DOCKER', '--dport 8080'), owners),
      'TCP to 127.0.0.1, port 8080, arriving on any interface except docker0, is rewritten to 172.17.0.3:80 (container web).',
    );
    assert.equal(
      explain(nat, rule(nat, 'DOCKER', '--dport 30000:30010')),
      'TCP to any local address, ports 30000-30010, arriving on any interface except docker0, is rewritten to 172.17.0.4, ports 30000-30010 (the original port is kept when it lies in that range).',
    );
    assert.match(explain(nat, rule(nat, 'DOCKER', '--dport 5353')), /^UDP to any local address, port 5353, /);
  });

  it('explains the hook jumps, RETURN and MASQUERADE', () => {
    assert.equal(
      explain(nat, rule(nat, 'PREROUTING', 'DOCKER')),
      'Traffic to any local address continues in chain DOCKER and comes back.',
    );
    assert.equal(
      explain(nat, rule(nat, 'OUTPUT', 'DOCKER')),
      'Traffic to any local address except 127.0.0.0/8 continues in chain DOCKER and comes back.',
    );
    assert.equal(
      explain(nat, rule(nat, 'DOCKER', '-j RETURN')),
      'Traffic to any local address, arriving on docker0, goes back to the chain that jumped here.',
    );
    assert.equal(
      explain(nat, rule(nat, 'POSTROUTING', '172.17.0.0/16')),
      "Traffic from 172.17.0.0/16, leaving through any interface except docker0, has its source rewritten to the outgoing interface's address.",
    );
  });

  it('explains the filter rules: connection state, two interfaces, DROP', () => {
    assert.equal(
      explain(filter, rule(filter, 'FORWARD', 'RELATED,ESTABLISHED')),
      'Traffic leaving through docker0, in connection state RELATED or ESTABLISHED, is accepted.',
    );
    assert.equal(
      explain(filter, rule(filter, 'DOCKER', '6379'), owners),
      'TCP to 172.17.0.2 (container redis), port 6379, arriving on any interface except docker0, leaving through docker0, is accepted.',
    );
    assert.equal(
      explain(filter, rule(filter, 'DOCKER-ISOLATION-STAGE-2', 'DROP')),
      'Traffic leaving through docker0 is dropped.',
    );
  });

  it('Docker 28 and 29: raw-table drops and the internal-network chain', () => {
    const raw = table('docker-28.txt', 'raw');
    assert.equal(
      explain(raw, rule(raw, 'PREROUTING', '172.18.0.2'), { '172.18.0.2': 'app' }),
      'Traffic to 172.18.0.2 (container app), arriving on any interface except br-3f2a9c1d7e4b, is dropped.',
    );
    const filter29 = table('docker-29.txt', 'filter');
    assert.equal(
      explain(filter29, rule(filter29, 'DOCKER-INTERNAL', '-s 172.19.0.0/16 ! -d')),
      'Traffic from 172.19.0.0/16, to any address except 172.19.0.0/16, is dropped.',
    );
  });

  it('IPv6: bracketed DNAT targets, owners looked up without brackets, ::1', () => {
    const nat6 = table('docker-27.v6.txt', 'nat');
    assert.equal(
      explain(nat6, rule(nat6, 'DOCKER', '[fd00::2]:80'), { 'fd00::2': 'web6' }),
      'TCP to any local address, port 80, arriving on any interface except docker0, is rewritten to [fd00::2]:80 (container web6).',
    );
    assert.equal(
      explain(nat6, rule(nat6, 'OUTPUT', 'DOCKER')),
      'Traffic to any local address except ::1 continues in chain DOCKER and comes back.',
    );
  });

  it('embedded DNS: DNAT to 127.0.0.11 and SNAT of only the source port', () => {
    const dns = table('docker-embedded-dns.txt', 'nat');
    assert.equal(
      explain(dns, rule(dns, 'DOCKER_OUTPUT', '-p udp')),
      'UDP to 127.0.0.11, port 53, is rewritten to 127.0.0.11:58391.',
    );
    assert.equal(
      explain(dns, rule(dns, 'DOCKER_POSTROUTING', '-p tcp')),
      'TCP from 127.0.0.11, port 37619, has its source port rewritten to 53.',
    );
  });

  it('says "the host" for an address of the host namespace', () => {
    assert.equal(
      explainLine('-A INPUT -d 192.0.2.1/32 -j ACCEPT', {
        addressOwner: (ip) => (ip === '192.0.2.1' ? 'host' : undefined),
      }),
      'Traffic to 192.0.2.1 (the host) is accepted.',
    );
  });
});

describe('explainRule on kube-proxy and Podman rule sets', () => {
  const nat = table('kube-proxy.txt', 'nat');
  const filter = table('kube-proxy.txt', 'filter');

  it('gives the endpoint choice as a probability and quotes the comment', () => {
    assert.equal(
      explain(nat, rule(nat, 'KUBE-SVC-2CMXP7HKUVJN7L6M', '0.33333333349')),
      'Traffic with probability 33.3% continues in chain KUBE-SEP-5XW2ZMHPXVB2XKQF and comes back. Comment: "default/nginx -> 10.244.0.20:80".',
    );
    assert.match(
      explain(nat, rule(nat, 'KUBE-SVC-2CMXP7HKUVJN7L6M', '0.50000000000')),
      /^Traffic with probability 50% continues/,
    );
    assert.equal(
      explain(nat, rule(nat, 'KUBE-SEP-5XW2ZMHPXVB2XKQF', 'DNAT'), { '10.244.0.20': 'nginx-1' }),
      'All TCP traffic is rewritten to 10.244.0.20:80 (container nginx-1). Comment: "default/nginx:http".',
    );
  });

  it('NodePorts: the chain behind addrtype LOCAL matches any local address', () => {
    assert.equal(
      explain(nat, rule(nat, 'KUBE-NODEPORTS', '30080')),
      'TCP to any local address, port 30080, continues in chain KUBE-EXT-2CMXP7HKUVJN7L6M and comes back. Comment: "default/nginx:http".',
    );
  });

  it('marks, negated marks and fully random masquerading', () => {
    assert.equal(
      explain(nat, rule(nat, 'KUBE-MARK-MASQ', 'MARK')),
      'All traffic has firewall mark bits 0x4000 set, then continues with the next rule.',
    );
    assert.equal(
      explain(nat, rule(nat, 'KUBE-POSTROUTING', '0x4000/0x0')),
      'All traffic has firewall mark bits 0x4000 flipped, then continues with the next rule.',
    );
    assert.equal(
      explain(nat, rule(nat, 'KUBE-POSTROUTING', '! --mark')),
      'Traffic not carrying firewall mark 0x4000/0x4000 goes back to the chain that jumped here.',
    );
    assert.equal(
      explain(nat, rule(nat, 'KUBE-POSTROUTING', 'MASQUERADE')),
      'All traffic has its source rewritten to the outgoing interface\'s address, choosing source ports fully at random. Comment: "kubernetes service traffic requiring SNAT".',
    );
  });

  it('negated connection states', () => {
    assert.equal(
      explain(filter, rule(filter, 'KUBE-FIREWALL', 'DROP')),
      'Traffic from any address except 127.0.0.0/8, to 127.0.0.0/8, not in connection state RELATED, ESTABLISHED or DNAT, is dropped. Comment: "block incoming localnet connections".',
    );
  });

  it('keeps hostile comments as decoded plain text, which escapeMarkdown then neutralises', () => {
    const html = explain(filter, rule(filter, 'HAND-WRITTEN', '8081'));
    assert.equal(html, 'TCP to port 8081 is accepted. Comment: "<b>"x"\\y</b>".');
    assert.ok(!/<b>|\\y/.test(escapeMarkdown(html).replace(/\\./g, '')), 'no markup survives escaping');
    assert.equal(
      explain(filter, rule(filter, 'HAND-WRITTEN', '8082')),
      'TCP to port 8082 is accepted. Comment: "-leading-dash".',
    );
    assert.equal(
      explain(filter, rule(filter, 'HAND-WRITTEN', '8083')),
      'TCP to port 8083 is accepted. Comment: "-> starts with a dash, it\'s quoted".',
    );
    // An empty first comment is skipped; the LOG prefix is untrusted text too.
    assert.equal(
      explain(filter, rule(filter, 'HAND-WRITTEN', 'second comment')),
      'All traffic is logged with prefix "-nx drop: ", then continues with the next rule. Comment: "second comment".',
    );
  });

  it('Podman: ACCEPT in nat leaves addresses alone; DNAT behind addrtype LOCAL', () => {
    const podman = table('podman.txt', 'nat');
    assert.equal(
      explain(podman, rule(podman, 'NETAVARK-1D8721804F16F', 'ACCEPT')),
      'Traffic to 10.88.0.0/16 is accepted without address translation.',
    );
    assert.equal(
      explain(podman, rule(podman, 'NETAVARK-DN-1D8721804F16F', 'DNAT')),
      'TCP to any local address, port 8080, is rewritten to 10.88.0.2:80.',
    );
    assert.equal(
      explain(podman, rule(podman, 'NETAVARK-HOSTPORT-MASQ', 'MASQUERADE')),
      'Traffic carrying firewall mark 0x2000/0x2000 has its source rewritten to the outgoing interface\'s address. Comment: "netavark portfw masq mark".',
    );
  });

  it('legacy tables: comment of a plain DROP', () => {
    const legacy = table('legacy-warning.legacy.txt', 'filter');
    assert.equal(
      explain(legacy, rule(legacy, 'INPUT', 'DROP')),
      'Traffic from 198.51.100.7 is dropped. Comment: "added by iptables-legacy".',
    );
  });
});

describe('explainRule on edge cases', () => {
  const filter = table('edge-cases.txt', 'filter');
  const nat = table('edge-cases.txt', 'nat');
  const mangle = table('edge-cases.txt', 'mangle');

  it('goto, interface wildcards and fragments', () => {
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '-g my.chain:x')),
      'Traffic arriving on any interface starting with br, in unfragmented packets or first fragments, continues in chain my.chain:x and does not come back.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '! -p udp')),
      'Traffic other than UDP from any address except 10.0.0.0/8, in non-first fragments, is dropped.',
    );
  });

  it('negated multiport source ports, SYN flags, ICMP types', () => {
    assert.equal(
      explain(filter, rule(filter, 'my.chain:x', 'multiport')),
      'UDP from any port except 53, 67-68 continues in chain LOGDROP and comes back.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '! --tcp-flags')),
      'TCP other than connection-opening SYNs is dropped.',
    );
    assert.equal(explain(filter, rule(filter, 'INPUT', '--icmp-type 8')), 'ICMP of type 8 (echo-request) is accepted.');
    assert.equal(
      explain(mangle, rule(mangle, 'FORWARD', 'TCPMSS')),
      'TCP with flags SYN set and RST clear has its TCP MSS clamped to the path MTU, then continues with the next rule.',
    );
  });

  it('REJECT, LOG, NFLOG, limit, string and rules with no target', () => {
    assert.equal(
      explain(filter, rule(filter, 'INPUT', 'REJECT')),
      'TCP containing the text "GET /admin" is rejected with a TCP reset.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '--limit 5/min')),
      'Traffic at up to 5 packets a minute (bursts of 10) is logged with prefix "iptables denied: ", then continues with the next rule.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', 'NFLOG')),
      'All traffic is logged to nflog group 5 with prefix "a b", then continues with the next rule.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', 'inside, and')),
      'All traffic is only counted: the rule has no target. Comment: "tab\tinside, and a \'single\' quote".',
    );
    assert.equal(
      explain(filter, filter.chains.find((c) => c.name === 'my.chain:x')?.rules[1] ?? assert.fail('bare rule')),
      'All traffic is only counted: the rule has no target.',
    );
  });

  it('names the matches it does not interpret', () => {
    assert.equal(
      explain(filter, rule(filter, 'INPUT', 'u32')),
      'Traffic whose raw bytes pass the u32 test 0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0=0x4000 is dropped.',
    );
    assert.equal(
      explainLine('-A INPUT -m nosuchmodule --weird 1 -j DROP'),
      "Traffic is dropped. It also requires match 'nosuchmodule' (not interpreted).",
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '--update')),
      'TCP to port 22, whose source is on the recent list (refreshing it), within the last 60 seconds, at least 4 times, (recent list "ssh"), continues in chain LOGDROP and comes back.',
    );
  });

  it('addrtype with --limit-iface-in, RETURN from a built-in chain, iprange and length', () => {
    assert.equal(
      explain(filter, rule(filter, 'INPUT', '--limit-iface-in')),
      'Traffic from any non-local address (judged on the incoming interface only) leaves INPUT, whose policy then decides.',
    );
    assert.equal(
      explain(filter, rule(filter, 'FORWARD', 'iprange')),
      'Traffic from an address in 10.0.0.1-10.0.0.9, of length 0-128 bytes, is accepted.',
    );
    assert.equal(
      explain(filter, rule(filter, 'INPUT', 'physdev')),
      'Traffic from MAC address aa:bb:cc:dd:ee:ff, that is being bridged, is accepted.',
    );
  });

  it('every DNAT and SNAT form: bare address, ranges, port-only, REDIRECT, MASQUERADE --to-ports', () => {
    assert.equal(
      explain(nat, rule(nat, 'PREROUTING', '192.0.2.1/32')),
      'TCP to 192.0.2.1 is rewritten to 10.0.0.1, keeping its port.',
    );
    assert.equal(
      explain(nat, rule(nat, 'PREROUTING', '--persistent')),
      'TCP to 192.0.2.2, ports 2000-3000, is rewritten to an address in 1.1.1.1-1.1.1.10, ports 1025-65535, choosing ports at random and giving each client the same address every time.',
    );
    assert.equal(
      explain(nat, rule(nat, 'PREROUTING', 'REDIRECT')),
      'TCP to 192.0.2.3, ports 80, 443, is redirected to this host, port 8080.',
    );
    assert.equal(
      explain(nat, rule(nat, 'POSTROUTING', 'SNAT')),
      'Traffic from 10.0.0.0/8, leaving through eth0, has its source rewritten to an address in 192.0.2.100-192.0.2.110, choosing source ports fully at random.',
    );
    assert.equal(
      explain(nat, rule(nat, 'POSTROUTING', 'MASQUERADE')),
      "TCP leaving through eth0.100 has its source rewritten to the outgoing interface's address, source ports 1024-65535, choosing ports at random.",
    );
  });
});

describe('explainRule on hand-written rules', () => {
  it('interfaces: wildcards, negated wildcards, a lone +', () => {
    assert.equal(
      explainLine('-A FORWARD -i veth+ -j ACCEPT'),
      'Traffic arriving on any interface starting with veth is accepted.',
    );
    assert.equal(
      explainLine('-A FORWARD ! -o br+ -j DROP'),
      'Traffic leaving through any interface except those starting with br is dropped.',
    );
    assert.equal(explainLine('-A FORWARD -i + -j ACCEPT'), 'Traffic arriving on any interface is accepted.');
  });

  it('statistic nth, negated probability', () => {
    assert.equal(
      explainLine('-A INPUT -m statistic --mode nth --every 3 --packet 0 -j ACCEPT'),
      'Traffic on every 3rd packet is accepted.',
    );
    assert.equal(
      explainLine('-A INPUT -m statistic --mode nth --every 2 --packet 1 -j DROP'),
      'Traffic on every 2nd packet starting at packet 1 is dropped.',
    );
    assert.equal(
      explainLine('-A INPUT -m statistic --mode random ! --probability 0.25 -j DROP'),
      'Traffic with probability 75% is dropped.',
    );
  });

  it('multiport destination lists and ranges, source ports, negated destination port', () => {
    assert.equal(
      explainLine('-A INPUT -p tcp -m multiport --dports 80,443,8000:8100 -j ACCEPT'),
      'TCP to ports 80, 443, 8000-8100 is accepted.',
    );
    assert.equal(explainLine('-A INPUT -p udp -m udp --sport 53 -j ACCEPT'), 'UDP from port 53 is accepted.');
    assert.equal(explainLine('-A INPUT -p tcp -m tcp ! --dport 22 -j DROP'), 'TCP to any port except 22 is dropped.');
    assert.equal(
      explainLine('-A INPUT -p tcp -m multiport --ports 80,443 -j ACCEPT'),
      'TCP with source or destination port in 80, 443 is accepted.',
    );
  });

  it('sets, connmark, physdev ports, conntrack with an option we skip', () => {
    assert.equal(
      explainLine('-A INPUT -m set --match-set blocked src -j DROP'),
      'Traffic whose source is in IP set blocked is dropped.',
    );
    assert.equal(
      explainLine('-A INPUT -m set ! --match-set ok src,dst -j DROP'),
      'Traffic whose (source, destination) is not in IP set ok is dropped.',
    );
    assert.equal(
      explainLine('-A INPUT -m connmark --mark 0x1 -j ACCEPT'),
      'Traffic whose connection carries mark 0x1 is accepted.',
    );
    assert.equal(
      explainLine('-A FORWARD -m physdev --physdev-in veth+ ! --physdev-out eth0 -j ACCEPT'),
      'Traffic entering the bridge from any port starting with veth, leaving the bridge through any port except eth0, is accepted.',
    );
    assert.equal(
      explainLine('-A INPUT -m conntrack --ctstate NEW --ctexpire 10:20 -j ACCEPT'),
      'Traffic in connection state NEW is accepted. It also requires conntrack --ctexpire (not interpreted).',
    );
  });

  it('addrtype source LOCAL, broadcast destinations', () => {
    assert.equal(
      explainLine('-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE'),
      "Traffic from any local address, leaving through docker0, has its source rewritten to the outgoing interface's address.",
    );
    assert.equal(
      explainLine('-A INPUT -m addrtype --dst-type BROADCAST,MULTICAST -j DROP'),
      'Traffic to any broadcast or multicast address is dropped.',
    );
  });

  it('targets: REJECT kinds, MARK, CONNMARK, CT, NFQUEUE, REDIRECT without ports, unknown targets, user chains', () => {
    assert.equal(explainLine('-A INPUT -j REJECT'), 'All traffic is rejected with an ICMP port-unreachable error.');
    assert.equal(
      explainLine('-A INPUT -j REJECT --reject-with icmp-host-prohibited'),
      'All traffic is rejected with an ICMP host-prohibited error.',
    );
    assert.equal(
      explainLine('-A INPUT -j REJECT --reject-with icmp6-adm-prohibited'),
      'All traffic is rejected with an ICMPv6 adm-prohibited error.',
    );
    assert.equal(
      explainLine('-A INPUT -j MARK --set-mark 0x1'),
      'All traffic has its firewall mark set to 0x1, then continues with the next rule.',
    );
    assert.equal(
      explainLine('-A INPUT -j MARK --set-xmark 0x1/0xffffffff'),
      'All traffic has its firewall mark set to 0x1, then continues with the next rule.',
    );
    assert.equal(
      explainLine('-A INPUT -j MARK --set-xmark 0x0/0x4000'),
      'All traffic has firewall mark bits 0x4000 cleared, then continues with the next rule.',
    );
    assert.equal(
      explainLine('-A INPUT -j MARK --set-xmark 0x1/0x3'),
      'All traffic has its firewall mark changed (--set-xmark 0x1/0x3), then continues with the next rule.',
    );
    assert.equal(
      explainLine('-A INPUT -j CONNMARK --save-mark'),
      "All traffic has its firewall mark saved as its connection's mark, then continues with the next rule.",
    );
    assert.equal(
      explainLine('-A OUTPUT -p udp -m udp --dport 53 -j CT --notrack'),
      'UDP to port 53 is excluded from connection tracking, then continues with the next rule.',
    );
    assert.equal(
      explainLine('-A INPUT -j NFQUEUE --queue-num 3'),
      'All traffic is handed to a user-space program through queue 3.',
    );
    assert.equal(
      explainLine('-A PREROUTING -p tcp -j REDIRECT'),
      'All TCP traffic is redirected to this host, keeping its port.',
    );
    assert.equal(
      explainLine('-A PREROUTING -p tcp -j TPROXY --on-port 1234'),
      'All TCP traffic is handed to the local transparent proxy on port 1234 (TPROXY).',
    );
    assert.equal(
      explainLine('-A PREROUTING -p tcp -j NOSUCHTARGET --on-port 1234'),
      'All TCP traffic goes to target NOSUCHTARGET (not interpreted).',
    );
    assert.equal(explainLine('-A INPUT -j my-chain'), 'All traffic continues in chain my-chain and comes back.');
    assert.equal(explainLine('-A INPUT -j X'), 'All traffic continues in chain X and comes back.');
  });

  it('a protocol it has no name for, negated', () => {
    assert.equal(explainLine('-A INPUT -p 47 -j ACCEPT'), 'Traffic of protocol 47 is accepted.');
    assert.equal(explainLine('-A INPUT ! -p gre -j ACCEPT'), 'Traffic other than GRE is accepted.');
  });
});

describe('describeConditions', () => {
  it('gives the conditions alone, or nothing for a rule that matches all traffic', () => {
    const nat = table('kube-proxy.txt', 'nat');
    assert.equal(describeConditions(rule(nat, 'KUBE-SERVICES', '10.96.0.10')), 'TCP to 10.96.0.10, port 80');
    assert.equal(describeConditions(rule(nat, 'PREROUTING', 'KUBE-SERVICES')), '');
    assert.equal(
      describeConditions(handWritten('filter', [], ['-A INPUT -m nosuchmodule --x 1 -j DROP']).chains[1].rules[0]),
      "match 'nosuchmodule' (not interpreted)",
    );
  });
});

describe('chainPaths and ChainGraph', () => {
  it('Docker nat: DOCKER is reached from PREROUTING and OUTPUT, only for local destinations', () => {
    const nat = table('docker-27.txt', 'nat');
    assert.deepEqual(chainPaths(nat, 'DOCKER'), [
      ['PREROUTING', 'DOCKER'],
      ['OUTPUT', 'DOCKER'],
    ]);
    assert.deepEqual(inheritedConditions(nat, ['PREROUTING', 'DOCKER']), ['to any local address']);
    assert.deepEqual(inheritedConditions(nat, ['OUTPUT', 'DOCKER']), ['to any local address except 127.0.0.0/8']);
    const graph = new ChainGraph(nat);
    assert.equal(graph.onlyForLocalDestination('DOCKER'), true);
    assert.equal(graph.onlyForLocalDestination('PREROUTING'), false);
    assert.deepEqual(graph.pathsTo('POSTROUTING'), [['POSTROUTING']]);
    assert.deepEqual(graph.pathsTo('NO-SUCH-CHAIN'), []);
    assert.deepEqual(
      graph.jumpsInto('DOCKER').map((r) => r.chain),
      ['PREROUTING', 'OUTPUT'],
    );
  });

  it('Docker 28 filter: DOCKER behind DOCKER-FORWARD and DOCKER-BRIDGE, two alternative jumps', () => {
    const filter = table('docker-28.txt', 'filter');
    const paths = chainPaths(filter, 'DOCKER');
    assert.deepEqual(paths, [['FORWARD', 'DOCKER-FORWARD', 'DOCKER-BRIDGE', 'DOCKER']]);
    assert.deepEqual(inheritedConditions(filter, paths[0]), [
      'either leaving through br-3f2a9c1d7e4b, or leaving through docker0',
    ]);
    assert.equal(new ChainGraph(filter).onlyForLocalDestination('DOCKER'), false);
  });

  it('kube-proxy: a KUBE-SEP chain through the service and through the NodePort, with the conditions on the way', () => {
    const nat = table('kube-proxy.txt', 'nat');
    const sep = 'KUBE-SEP-5XW2ZMHPXVB2XKQF';
    const svc = 'KUBE-SVC-2CMXP7HKUVJN7L6M';
    const ext = 'KUBE-EXT-2CMXP7HKUVJN7L6M';
    const paths = chainPaths(nat, sep);
    assert.deepEqual(paths, [
      ['PREROUTING', 'KUBE-SERVICES', svc, sep],
      ['OUTPUT', 'KUBE-SERVICES', svc, sep],
      ['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', ext, svc, sep],
      ['OUTPUT', 'KUBE-SERVICES', 'KUBE-NODEPORTS', ext, svc, sep],
    ]);
    assert.deepEqual(inheritedConditions(nat, paths[0]), ['TCP to 10.96.0.10, port 80', 'with probability 33.3%']);
    assert.deepEqual(inheritedConditions(nat, paths[2]), [
      'to any local address',
      'TCP to port 30080',
      'with probability 33.3%',
    ]);
    const graph = new ChainGraph(nat);
    assert.equal(graph.onlyForLocalDestination('KUBE-NODEPORTS'), true);
    assert.equal(graph.onlyForLocalDestination(ext), true);
    assert.equal(graph.onlyForLocalDestination(svc), false, 'the cluster IP reaches it without addrtype LOCAL');
  });

  it('follows gotos, and lists shorter paths first', () => {
    const filter = table('edge-cases.txt', 'filter');
    assert.deepEqual(chainPaths(filter, 'my.chain:x'), [['INPUT', 'my.chain:x']]);
    assert.deepEqual(chainPaths(filter, 'LOGDROP'), [
      ['INPUT', 'LOGDROP'],
      ['INPUT', 'my.chain:x', 'LOGDROP'],
    ]);
  });

  it('survives cycles: no chain twice in a path, unreachable cycles have no path', () => {
    const t = handWritten(
      'filter',
      ['A', 'B', 'C', 'D', 'E'],
      ['-A INPUT -j A', '-A A -j B', '-A B -j A', '-A B -j C', '-A C -j C', '-A C -g B', '-A D -j E', '-A E -j D'],
    );
    assert.deepEqual(chainPaths(t, 'C'), [['INPUT', 'A', 'B', 'C']]);
    assert.deepEqual(chainPaths(t, 'A'), [['INPUT', 'A']]);
    assert.deepEqual(chainPaths(t, 'D'), []);
    assert.equal(new ChainGraph(t).onlyForLocalDestination('D'), false);
  });

  it('stops at MAX_PATHS paths and at 32 chains deep', () => {
    const fan = Array.from({ length: 30 }, (_, i) => `F${i}`);
    const wide = handWritten(
      'filter',
      [...fan, 'T'],
      [...fan.map((f) => `-A INPUT -j ${f}`), ...fan.map((f) => `-A ${f} -j T`), '-A FORWARD -j T'],
    );
    const paths = chainPaths(wide, 'T');
    assert.equal(paths.length, MAX_PATHS);
    assert.deepEqual(paths[0], ['FORWARD', 'T']);
    assert.deepEqual(paths.slice(1, 3), [
      ['INPUT', 'F0', 'T'],
      ['INPUT', 'F1', 'T'],
    ]);

    const deep = Array.from({ length: 40 }, (_, i) => `L${i}`);
    const long = handWritten('filter', deep, [
      '-A INPUT -j L0',
      ...deep.slice(1).map((c, i) => `-A ${deep[i]} -j ${c}`),
    ]);
    assert.equal(chainPaths(long, 'L30')[0].length, 32);
    assert.deepEqual(chainPaths(long, 'L31'), []);
  });

  it('indexes a 100,000-rule kube-proxy table once and answers path questions fast', function () {
    this.timeout(30000);
    const services = 9000;
    const lines = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':INPUT ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-MARK-MASQ - [0:0]',
    ];
    const rules = [
      '-A PREROUTING -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-SERVICES',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    ];
    for (let s = 0; s < services; s++) {
      const svc = `KUBE-SVC-${s}`;
      lines.push(`:${svc} - [0:0]`);
      rules.push(`-A KUBE-SERVICES -d 10.96.${s >> 8}.${s & 255}/32 -p tcp -m tcp --dport 80 -j ${svc}`);
      rules.push(`-A KUBE-NODEPORTS -p tcp -m tcp --dport ${30000 + s} -j ${svc}`);
      rules.push(`-A ${svc} ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ`);
      for (let e = 0; e < 3; e++) {
        const sep = `KUBE-SEP-${s}-${e}`;
        lines.push(`:${sep} - [0:0]`);
        rules.push(`-A ${svc} -m statistic --mode random --probability 0.33 -j ${sep}`);
        rules.push(`-A ${sep} -s 10.244.${e}.${s & 255}/32 -j KUBE-MARK-MASQ`);
        rules.push(`-A ${sep} -p tcp -m tcp -j DNAT --to-destination 10.244.${e}.${s & 255}:80`);
      }
    }
    rules.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
    const dump = parseIptablesSave([...lines, ...rules, 'COMMIT', ''].join('\n'));
    const nat = dump.tables[0];
    assert.ok(rules.length > 100000, `${rules.length} rules`);

    // Speed is measured in `npm run bench`, not asserted here: shared 2-core machines make timings flaky.
    const graph = new ChainGraph(nat);
    for (let s = 0; s < services; s += 9) {
      assert.equal(graph.pathsTo(`KUBE-SEP-${s}-1`).length, 4);
      assert.equal(graph.onlyForLocalDestination(`KUBE-SVC-${s}`), false);
    }
    const masq = graph.pathsTo('KUBE-MARK-MASQ');
    assert.equal(masq.length, MAX_PATHS);
    assert.deepEqual(masq[0], ['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-0', 'KUBE-MARK-MASQ']);
    assert.equal(graph.inheritedConditions(graph.pathsTo('KUBE-SEP-8999-2')[0]).length, 2);
  });
});

describe('chainOwner and pathOwner', () => {
  it('names the writer of each chain from its name', () => {
    const cases: [string, ReturnType<typeof chainOwner>][] = [
      ['DOCKER', 'docker'],
      ['DOCKER-USER', 'docker'],
      ['DOCKER-ISOLATION-STAGE-1', 'docker'],
      ['DOCKER_OUTPUT', 'docker'],
      ['DOCKERISH', 'unknown'],
      ['KUBE-SERVICES', 'kubernetes'],
      ['KUBE-SEP-5XW2ZMHPXVB2XKQF', 'kubernetes'],
      ['NETAVARK-HOSTPORT-DNAT', 'podman'],
      ['NETAVARK_FORWARD', 'podman'],
      ['CNI-HOSTPORT-DNAT', 'cni'],
      ['CNI-DN-1234', 'cni'],
      ['NETNS-EXPLORER-PORTS', 'netns-explorer'],
      ['PREROUTING', 'system'],
      ['POSTROUTING', 'system'],
      ['LOGDROP', 'unknown'],
      ['my.chain:x', 'unknown'],
      ['NETNS-EXPLORERX', 'unknown'],
      ['NETNS-EXPLORER-DNAT', 'netns-explorer'],
    ];
    for (const [name, owner] of cases) assert.equal(chainOwner(name), owner, name);
  });

  it('goes by the name alone: our comment on a rule in another chain does not make the chain ours', () => {
    // The extension creates only NETNS-EXPLORER-* chains; a comment can be copied anywhere.
    assert.equal(chainOwner('PORTS'), 'unknown');
    assert.equal(chainOwner('NETNS-EXPLORERX'), 'unknown');
    assert.equal(pathOwner(['PREROUTING', 'NETNS-EXPLORERX'], null), 'unknown');
    // Our hooks live in built-in and Docker chains: the rule's own comment still names its writer.
    assert.equal(pathOwner(['PREROUTING'], 'netns-explorer: hook'), 'netns-explorer');
    assert.equal(pathOwner(['FORWARD', 'DOCKER-USER'], 'netns-explorer: hook'), 'netns-explorer');
  });

  it('pathOwner: our comment first, then the most specific writer on the path', () => {
    assert.equal(pathOwner(['PREROUTING', 'DOCKER'], 'netns-explorer: web'), 'netns-explorer');
    assert.equal(pathOwner(['PREROUTING', 'KUBE-SERVICES', 'DOCKER'], null), 'kubernetes');
    assert.equal(pathOwner(['PREROUTING'], null), 'unknown');
  });

  it('agrees with the owners port mappings carry today, CNI chains apart', () => {
    for (const fixture of [
      'docker-27.txt',
      'docker-28.txt',
      'docker-29.txt',
      'kube-proxy.txt',
      'podman.txt',
      'docker-embedded-dns.txt',
    ]) {
      for (const m of deriveMappings(table(fixture, 'nat'), 'ns1', 'ipv4')) {
        const owner = pathOwner(m.chainPath, m.comment);
        assert.equal(owner === 'cni' ? 'podman' : owner, m.owner, `${fixture} ${m.rule}`);
      }
    }
  });
});

describe('what an explanation leaves uninterpreted (netns-explorer rules)', () => {
  const of = (line: string) =>
    uninterpretedOf(handWritten('filter', ['X', 'my-chain'], [line]).chains.flatMap((c) => c.rules)[0]!);

  it('names the matches and the target not put into words, and nothing for a rule fully in words', () => {
    assert.deepEqual(of('-A X -p tcp -m tcp --dport 80 -j ACCEPT'), []);
    assert.deepEqual(of('-A X -m nosuchmodule --x 1 -j ACCEPT'), ["match 'nosuchmodule'"]);
    assert.deepEqual(of('-A X -m hashlimit --hashlimit-upto 5/sec --hashlimit-name h -j ACCEPT'), []);
    assert.deepEqual(of('-A X -j NOSUCHTARGET --to 1'), ['-j NOSUCHTARGET']);
    assert.deepEqual(of('-A X -j my-chain'), [], 'a jump to a user chain is in words');
  });
});
