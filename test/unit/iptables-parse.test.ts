// The iptables-save parser and printer, on dumps recorded from the real tools and on broken input.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { printChainHeader, printDump, printRule, quoteArg } from '../../src/core/iptables/print';
import { chainOf, findOption, jumpTargets, targetOption } from '../../src/core/iptables/query';
import type { IptablesDump, Rule, Table } from '../../src/core/iptables/types';

// Tests are bundled to out/test/unit; fixtures stay in the source tree.
const fixtureDir = join(__dirname, '../../../test/fixtures/iptables');
const fixtureNames = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.txt') && !name.endsWith('.stderr.txt'))
  .sort();

function fixture(name: string): string {
  return readFileSync(join(fixtureDir, name), 'utf8');
}

function parseFixture(name: string): IptablesDump {
  const dump = parseIptablesSave(fixture(name));
  assert.deepEqual(dump.diagnostics, [], `${name} parses without diagnostics`);
  return dump;
}

function tableOf(dump: IptablesDump, name: string): Table {
  const table = dump.tables.find((t) => t.name === name);
  assert.ok(table, `table ${name}`);
  return table;
}

function rulesOf(dump: IptablesDump, table: string, chain: string): Rule[] {
  const found = chainOf(tableOf(dump, table), chain);
  assert.ok(found, `chain ${table}/${chain}`);
  return found.rules;
}

/** The one rule of a chain whose text contains `fragment`. */
function ruleWith(dump: IptablesDump, table: string, chain: string, fragment: string): Rule {
  const rules = rulesOf(dump, table, chain).filter((rule) => rule.text.includes(fragment));
  assert.equal(rules.length, 1, `one rule in ${table}/${chain} containing ${fragment}`);
  return rules[0];
}

/** The dump without what depends on where each line stood, for comparing structures. */
function structureOf(dump: IptablesDump): unknown {
  return dump.tables.map((table) => ({
    ...table,
    chains: table.chains.map((chain) => ({
      ...chain,
      rules: chain.rules.map((rule) => ({ ...rule, line: 0, text: '' })),
    })),
  }));
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing input can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('iptables-save parser', () => {
  describe('recorded fixtures print back byte for byte', () => {
    it('has the recorded fixtures', () => {
      for (const name of [
        'docker-27.txt',
        'docker-28.txt',
        'docker-29.txt',
        'kube-proxy.txt',
        'podman.txt',
        'docker-27.v6.txt',
        'edge-cases.txt',
        'docker-embedded-dns.txt',
        'legacy-warning.txt',
        'legacy-warning.legacy.txt',
      ]) {
        assert.ok(fixtureNames.includes(name), name);
      }
    });

    for (const name of fixtureNames) {
      it(name, () => {
        const text = fixture(name);
        const lines = text.split('\n');
        const dump = parseFixture(name);
        const rules = dump.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
        const ruleLines = lines.filter((line) => line.startsWith('[') || line.startsWith('-A '));
        assert.ok(ruleLines.length > 0);
        assert.equal(rules.length, ruleLines.length, 'every rule line becomes a rule');
        for (const rule of rules) {
          assert.equal(rule.text, lines[rule.line - 1]);
          assert.equal(printRule(rule), rule.text);
        }
        const headers = dump.tables.flatMap((t) => t.chains.map(printChainHeader));
        assert.deepEqual(
          headers,
          lines.filter((line) => line.startsWith(':')),
        );
      });
    }

    for (const name of fixtureNames) {
      it(`${name}: printDump output parses back to the same structure`, () => {
        const dump = parseFixture(name);
        const again = parseIptablesSave(printDump(dump));
        assert.deepEqual(again.diagnostics, []);
        assert.deepEqual(structureOf(again), structureOf(dump));
      });
    }
  });

  describe('Docker rules', () => {
    it('reads a published port: DNAT target, negated -i docker0, tcp group, counters', () => {
      const dump = parseFixture('docker-27.txt');
      const rule = ruleWith(dump, 'nat', 'DOCKER', '--dport 6379 ');
      assert.deepEqual(rule.counters, { packets: '12', bytes: '720' });
      assert.deepEqual(rule.target, {
        kind: 'jump',
        name: 'DNAT',
        options: [
          { name: '--to-destination', negated: false, args: ['172.17.0.2:6379'], rawArgs: ['172.17.0.2:6379'] },
        ],
      });
      assert.deepEqual(
        rule.matches.map((g) => g.module),
        [null, 'tcp'],
      );
      const inInterface = findOption(rule, '--in-interface');
      assert.equal(inInterface?.name, '-i');
      assert.equal(inInterface?.negated, true);
      assert.deepEqual(inInterface?.args, ['docker0']);
      assert.deepEqual(findOption(rule, '--destination-port')?.args, ['6379']);
      assert.deepEqual(findOption(rule, '-p')?.args, ['tcp']);
      assert.equal(findOption(rule, '--dport', null), undefined, 'the port belongs to the tcp module');
    });

    it('reads the jump from PREROUTING through an addrtype group', () => {
      const dump = parseFixture('docker-27.txt');
      const [rule] = rulesOf(dump, 'nat', 'PREROUTING');
      assert.deepEqual(rule.matches, [
        { module: 'addrtype', options: [{ name: '--dst-type', negated: false, args: ['LOCAL'], rawArgs: ['LOCAL'] }] },
      ]);
      assert.equal(rule.target?.name, 'DOCKER');
      const output = rulesOf(dump, 'nat', 'OUTPUT')[0];
      assert.equal(findOption(output, '-d')?.negated, true);
      assert.deepEqual(findOption(output, '--destination')?.args, ['127.0.0.0/8']);
    });

    it('reads an address-bound port, a udp port and a port range', () => {
      const dump = parseFixture('docker-27.txt');
      const local = ruleWith(dump, 'nat', 'DOCKER', '--dport 8080 ');
      assert.deepEqual(findOption(local, '-d')?.args, ['127.0.0.1/32']);
      const udp = ruleWith(dump, 'nat', 'DOCKER', '-p udp');
      assert.deepEqual(
        udp.matches.map((g) => g.module),
        [null, 'udp'],
      );
      assert.deepEqual(targetOption(udp, '--to-destination')?.args, ['172.17.0.4:53']);
      const range = ruleWith(dump, 'nat', 'DOCKER', '30000:30010');
      assert.deepEqual(findOption(range, '--dport')?.args, ['30000:30010']);
      assert.deepEqual(targetOption(range, '--to-destination')?.args, ['172.17.0.4:30000-30010']);
    });

    it('reads chain policies, counters and user chains', () => {
      const filter = tableOf(parseFixture('docker-27.txt'), 'filter');
      assert.deepEqual(chainOf(filter, 'FORWARD'), { ...chainOf(filter, 'FORWARD'), policy: 'DROP', builtin: true });
      assert.deepEqual(chainOf(filter, 'INPUT')?.counters, { packets: '20311', bytes: '1843002' });
      const docker = chainOf(filter, 'DOCKER');
      assert.equal(docker?.policy, null);
      assert.equal(docker?.builtin, false);
      assert.deepEqual(
        docker?.rules.map((r) => r.index),
        [0, 1, 2, 3],
      );
    });

    it('follows Docker 28 jumps through DOCKER-FORWARD and reads the raw-table drop', () => {
      const dump = parseFixture('docker-28.txt');
      const jumps = jumpTargets(tableOf(dump, 'filter'));
      assert.deepEqual(jumps.get('FORWARD'), ['DOCKER-USER', 'DOCKER-FORWARD']);
      assert.deepEqual(jumps.get('DOCKER-FORWARD'), ['DOCKER-CT', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-BRIDGE']);
      assert.deepEqual(jumps.get('DOCKER-USER'), []);
      const drop = ruleWith(dump, 'raw', 'PREROUTING', '172.17.0.2/32');
      assert.equal(drop.target?.name, 'DROP');
      assert.equal(findOption(drop, '-i')?.negated, true);
      const unpublished = ruleWith(dump, 'filter', 'DOCKER', '! -i docker0 -o docker0 -j DROP');
      assert.deepEqual(
        unpublished.matches[0].options.map((o) => [o.negated, o.name, o.args[0]]),
        [
          [true, '-i', 'docker0'],
          [false, '-o', 'docker0'],
        ],
      );
    });

    it('reads Docker 29: DOCKER-INTERNAL and no RETURN for docker0 in nat', () => {
      const dump = parseFixture('docker-29.txt');
      assert.ok(chainOf(tableOf(dump, 'filter'), 'DOCKER-INTERNAL'));
      assert.equal(chainOf(tableOf(dump, 'filter'), 'DOCKER-ISOLATION-STAGE-1'), undefined);
      assert.deepEqual(
        rulesOf(dump, 'nat', 'DOCKER').map((r) => r.target?.name),
        ['DNAT'],
      );
    });

    it('reads IPv6 DNAT targets and addresses', () => {
      const dump = parseFixture('docker-27.v6.txt');
      const rule = ruleWith(dump, 'nat', 'DOCKER', '::1/128');
      assert.deepEqual(findOption(rule, '-d')?.args, ['::1/128']);
      assert.deepEqual(targetOption(rule, '--to-destination')?.args, ['[fd00::3]:80']);
      assert.deepEqual(targetOption(ruleWith(dump, 'nat', 'DOCKER', '--dport 80 '), '--to-destination')?.args, [
        '[fd00::2]:80',
      ]);
    });

    it('reads SNAT to a port only, from the embedded DNS rules', () => {
      const dump = parseFixture('docker-embedded-dns.txt');
      const rule = ruleWith(dump, 'nat', 'DOCKER_POSTROUTING', '-p udp');
      assert.equal(rule.target?.name, 'SNAT');
      assert.deepEqual(targetOption(rule, '--to-source')?.args, [':53']);
    });
  });

  describe('kube-proxy and podman rules', () => {
    it('decodes quoted comments', () => {
      const dump = parseFixture('kube-proxy.txt');
      const comments = rulesOf(dump, 'nat', 'KUBE-SVC-2CMXP7HKUVJN7L6M').map((r) => r.comment);
      assert.deepEqual(comments, [
        'default/nginx:http cluster IP',
        'default/nginx -> 10.244.0.20:80',
        'default/nginx -> 10.244.0.21:80',
        'default/nginx -> 10.244.0.22:80',
      ]);
      const html = ruleWith(dump, 'filter', 'HAND-WRITTEN', '8081');
      assert.equal(html.comment, '<b>"x"\\y</b>');
      assert.deepEqual(findOption(html, '--comment')?.rawArgs, ['"<b>\\"x\\"\\\\y</b>"']);
      assert.deepEqual(html.counters, { packets: '7', bytes: '420' });
      assert.equal(ruleWith(dump, 'filter', 'HAND-WRITTEN', '8083').comment, "-> starts with a dash, it's quoted");
    });

    it('takes a bare comment that starts with a dash as the comment, not as an option', () => {
      const rule = ruleWith(parseFixture('kube-proxy.txt'), 'filter', 'HAND-WRITTEN', '8082');
      assert.equal(rule.comment, '-leading-dash');
      assert.deepEqual(
        rule.matches.map((g) => [g.module, g.options.map((o) => o.name)]),
        [
          [null, ['-p']],
          ['comment', ['--comment']],
          ['tcp', ['--dport']],
        ],
      );
    });

    it('keeps the first of several comments, even an empty one, and a log prefix starting with a dash', () => {
      const rule = ruleWith(parseFixture('kube-proxy.txt'), 'filter', 'HAND-WRITTEN', '-j LOG');
      assert.equal(rule.comment, '');
      assert.deepEqual(targetOption(rule, '--log-prefix')?.args, ['-nx drop: ']);
    });

    it('reads statistic probabilities, negated marks and flag-only target options', () => {
      const dump = parseFixture('kube-proxy.txt');
      const [, first] = rulesOf(dump, 'nat', 'KUBE-SVC-2CMXP7HKUVJN7L6M');
      assert.deepEqual(
        first.matches.map((g) => g.module),
        ['comment', 'statistic'],
      );
      assert.deepEqual(findOption(first, '--mode', 'statistic')?.args, ['random']);
      assert.deepEqual(findOption(first, '--probability')?.args, ['0.33333333349']);
      assert.deepEqual(first.counters, { packets: '31', bytes: '1860' });
      const [skip, , masquerade] = rulesOf(dump, 'nat', 'KUBE-POSTROUTING');
      assert.deepEqual(findOption(skip, '--mark', 'mark'), {
        name: '--mark',
        negated: true,
        args: ['0x4000/0x4000'],
        rawArgs: ['0x4000/0x4000'],
      });
      assert.deepEqual(skip.counters, { packets: '5110', bytes: '306600' });
      assert.deepEqual(masquerade.target?.options, [{ name: '--random-fully', negated: false, args: [], rawArgs: [] }]);
    });

    it('reads netavark DNAT chains and their comments', () => {
      const dump = parseFixture('podman.txt');
      const [hostport] = rulesOf(dump, 'nat', 'NETAVARK-HOSTPORT-DNAT');
      assert.match(hostport.comment ?? '', /^dnat name: podman id: [0-9a-f]{64}$/);
      assert.equal(hostport.target?.name, 'NETAVARK-DN-1D8721804F16F');
      const dnat = ruleWith(dump, 'nat', 'NETAVARK-DN-1D8721804F16F', 'DNAT');
      assert.deepEqual(targetOption(dnat, '--to-destination')?.args, ['10.88.0.2:80']);
      assert.ok(chainOf(tableOf(dump, 'filter'), 'NETAVARK_FORWARD'));
    });
  });

  describe('option shapes', () => {
    const dump = parseIptablesSave(fixture('edge-cases.txt'));

    it('reads goto targets, odd chain names and 64-bit counters', () => {
      const rule = ruleWith(dump, 'filter', 'INPUT', '-g ');
      assert.deepEqual(rule.target, { kind: 'goto', name: 'my.chain:x', options: [] });
      assert.deepEqual(findOption(rule, '--fragment'), { name: '-f', negated: true, args: [], rawArgs: [] });
      const checksum = ruleWith(dump, 'mangle', 'POSTROUTING', 'CHECKSUM');
      assert.deepEqual(checksum.counters, { packets: '18446744073709551615', bytes: '18446744073709551615' });
      assert.deepEqual(
        checksum.target?.options.map((o) => o.name),
        ['--checksum-fill'],
      );
    });

    it('reads flags and multi-argument options', () => {
      const recent = ruleWith(dump, 'filter', 'INPUT', '--update');
      assert.deepEqual(
        recent.matches[2].options.map((o) => [o.name, o.args]),
        [
          ['--update', []],
          ['--seconds', ['60']],
          ['--reap', []],
          ['--hitcount', ['4']],
          ['--name', ['ssh']],
          ['--mask', ['255.255.255.255']],
          ['--rsource', []],
        ],
      );
      const flags = ruleWith(dump, 'filter', 'INPUT', '! --tcp-flags');
      assert.deepEqual(findOption(flags, '--tcp-flags'), {
        name: '--tcp-flags',
        negated: true,
        args: ['FIN,SYN,RST,ACK', 'SYN'],
        rawArgs: ['FIN,SYN,RST,ACK', 'SYN'],
      });
      const dnat = ruleWith(dump, 'nat', 'PREROUTING', '--persistent');
      assert.deepEqual(
        dnat.target?.options.map((o) => [o.name, o.args]),
        [
          ['--to-destination', ['1.1.1.1-1.1.1.10:1025-65535']],
          ['--random', []],
          ['--persistent', []],
        ],
      );
    });

    it('reads an empty rule and quoted strings holding tabs and quotes', () => {
      const [, empty] = rulesOf(dump, 'filter', 'my.chain:x');
      assert.deepEqual([empty.matches, empty.target], [[], null]);
      assert.equal(ruleWith(dump, 'filter', 'INPUT', 'tab\t').comment, "tab\tinside, and a 'single' quote");
      assert.deepEqual(findOption(ruleWith(dump, 'filter', 'INPUT', '--u32'), '--u32')?.args, [
        '0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0=0x4000',
      ]);
    });

    it('starts a new module-less group for a built-in option after a module, keeping the order', () => {
      const text =
        '*filter\n:X - [0:0]\n-A X -m comment --comment hi -s 10.0.0.1/32 -m tcp -p tcp --dport 1 -j ACCEPT\nCOMMIT\n';
      const parsed = parseIptablesSave(text);
      const [rule] = rulesOf(parsed, 'filter', 'X');
      assert.deepEqual(
        rule.matches.map((g) => [g.module, g.options.map((o) => o.name)]),
        [
          ['comment', ['--comment']],
          [null, ['-s']],
          ['tcp', []],
          [null, ['-p', '--dport']],
        ],
      );
      assert.equal(printRule(rule), rule.text);
    });

    it('takes the raw interface names iptables-save prints, even `-x` and `!`', () => {
      // Recorded from `iptables -A T1 -i -x` and `-i !`: iptables-save never quotes interface names.
      const text =
        '*filter\n:T1 - [0:0]\n-A T1 -i -x -j ACCEPT\n-A T1 -i ! -j ACCEPT\n-A T1 -i a"b -j ACCEPT\nCOMMIT\n';
      const parsed = parseIptablesSave(text);
      assert.deepEqual(parsed.diagnostics, []);
      assert.deepEqual(
        rulesOf(parsed, 'filter', 'T1').map((r) => findOption(r, '-i')?.args[0]),
        ['-x', '!', 'a"b'],
      );
      for (const rule of rulesOf(parsed, 'filter', 'T1')) assert.equal(printRule(rule), rule.text);
    });

    it('reads a comment holding a newline, which iptables-save prints across two lines', () => {
      // Recorded from `iptables -A T1 -m comment --comment $'a\nb' -j ACCEPT`.
      const text =
        '*filter\n:T1 - [0:0]\n[0:0] -A T1 -m comment --comment "a\nb" -j ACCEPT\n[0:0] -A T1 -j DROP\nCOMMIT\n';
      const parsed = parseIptablesSave(text);
      assert.deepEqual(parsed.diagnostics, []);
      const rules = rulesOf(parsed, 'filter', 'T1');
      assert.deepEqual(
        rules.map((r) => [r.line, r.comment, r.target?.name]),
        [
          [3, 'a\nb', 'ACCEPT'],
          [5, null, 'DROP'],
        ],
      );
      assert.equal(printRule(rules[0]), rules[0].text);
    });

    it('prints a dump as restore input with COMMIT per table', () => {
      const text =
        '*nat\n:PREROUTING ACCEPT [1:2]\n:DOCKER - [0:0]\n-A PREROUTING -j DOCKER\nCOMMIT\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n';
      assert.equal(printDump(parseIptablesSave(text)), text);
      assert.equal(printDump({ tables: [], diagnostics: [] }), '');
    });
  });

  describe('quoteArg', () => {
    // Pairs observed from `iptables -A T1 -m comment --comment VALUE` then `iptables-save`.
    const observed: Array<[string, string]> = [
      ['abc', 'abc'],
      ['_x', '_x'],
      ['-x', '-x'],
      ['a b', '"a b"'],
      ['', '""'],
      ['a"b', '"a\\"b"'],
      ['a\\b', '"a\\\\b"'],
      ["a'b", '"a\\\'b"'],
      ['a.b', '"a.b"'],
      ['a/b', '"a/b"'],
      ['a:b', '"a:b"'],
      ['é', '"é"'],
      ['tab\tx', '"tab\tx"'],
      ['a$b', '"a$b"'],
      ['<b>"x"\\y</b>', '"<b>\\"x\\"\\\\y</b>"'],
    ];
    for (const [value, printed] of observed) {
      it(`prints ${JSON.stringify(value)} as ${printed}, and parses back`, () => {
        assert.equal(quoteArg(value), printed);
        const parsed = parseIptablesSave(`*filter\n:X - [0:0]\n-A X -m comment --comment ${printed}\nCOMMIT\n`);
        assert.deepEqual(parsed.diagnostics, []);
        assert.equal(rulesOf(parsed, 'filter', 'X')[0].comment, value);
      });
    }
  });

  describe('broken input', () => {
    const header = '*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n';

    function diagnose(text: string): { dump: IptablesDump; lines: number[]; targets: string[] } {
      const dump = parseIptablesSave(text);
      const targets = dump.tables.flatMap((t) =>
        t.chains.flatMap((c) => c.rules.map((r) => `${t.name}/${c.name}/${r.target?.name}`)),
      );
      return { dump, lines: dump.diagnostics.map((d) => d.line), targets };
    }

    it('reports a garbage line and keeps the rules around it', () => {
      const { dump, lines, targets } = diagnose(
        `${header}-A X -j ACCEPT\nthis is not iptables\n-A X -j DROP\nCOMMIT\n`,
      );
      assert.deepEqual(lines, [5]);
      assert.match(dump.diagnostics[0].message, /unrecognised line "this is not iptables"/);
      assert.deepEqual(targets, ['filter/X/ACCEPT', 'filter/X/DROP']);
    });

    it('reports an unterminated quote', () => {
      const { dump, lines, targets } = diagnose(
        `${header}-A X -m comment --comment "never closed -j ACCEPT\n-A X -j DROP\nCOMMIT\n`,
      );
      assert.deepEqual(lines, [4]);
      assert.match(dump.diagnostics[0].message, /unterminated quoted string starting at column 27/);
      assert.deepEqual(targets, ['filter/X/DROP']);
    });

    it('reports text glued to a closing quote', () => {
      const { dump, lines, targets } = diagnose(
        `${header}-A X -m comment --comment "a"b -j ACCEPT\n-A X -j DROP\nCOMMIT\n`,
      );
      assert.deepEqual(lines, [4]);
      assert.match(dump.diagnostics[0].message, /text right after the closing quote at column 30/);
      assert.deepEqual(targets, ['filter/X/DROP']);
    });

    it('reports a rule for an undeclared chain', () => {
      const { dump, lines, targets } = diagnose(`${header}-A NOPE -j ACCEPT\n-A X -j DROP\nCOMMIT\n`);
      assert.deepEqual(lines, [4]);
      assert.match(dump.diagnostics[0].message, /chain NOPE, which is not declared in table filter/);
      assert.deepEqual(targets, ['filter/X/DROP']);
    });

    it('reports rules and chains before any table', () => {
      const { dump, lines, targets } = diagnose(`-A X -j ACCEPT\n:X - [0:0]\n${header}-A X -j DROP\nCOMMIT\n`);
      assert.deepEqual(lines, [1, 2]);
      assert.match(dump.diagnostics[0].message, /rule outside a table/);
      assert.deepEqual(targets, ['filter/X/DROP']);
    });

    it('reports a table left without COMMIT, before the next table and at the end', () => {
      const { dump, lines, targets } = diagnose(
        `${header}-A X -j ACCEPT\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j RETURN\n`,
      );
      assert.deepEqual(lines, [5, 7]);
      assert.match(dump.diagnostics[0].message, /table filter \(line 1\) has no COMMIT before the next table/);
      assert.match(dump.diagnostics[1].message, /table nat \(line 5\) has no COMMIT: the dump ends early/);
      assert.deepEqual(targets, ['filter/X/ACCEPT', 'nat/PREROUTING/RETURN']);
    });

    it('keeps what came before the cut in a truncated dump', () => {
      const text = fixture('kube-proxy.txt');
      const cut = text.slice(0, text.indexOf('-> 10.244.0.21:80"'));
      const lastLine = cut.split('\n').length;
      const { dump, lines } = diagnose(cut);
      assert.deepEqual(lines, [lastLine, lastLine]);
      assert.match(dump.diagnostics[0].message, /unterminated quoted string/);
      assert.match(dump.diagnostics[1].message, /table nat \(line \d+\) has no COMMIT: the dump ends early/);
      assert.deepEqual(
        rulesOf(dump, 'nat', 'KUBE-SVC-2CMXP7HKUVJN7L6M').map((r) => r.comment),
        ['default/nginx:http cluster IP', 'default/nginx -> 10.244.0.20:80'],
      );
      assert.equal(rulesOf(dump, 'filter', 'HAND-WRITTEN').length, 4);
    });

    it('reports a table that appears twice, once, and skips its copy', () => {
      const { dump, lines, targets } = diagnose(
        `${header}-A X -j ACCEPT\nCOMMIT\n*filter\n:X - [0:0]\n-A X -j DROP\nCOMMIT\n-A X -j REJECT\n`,
      );
      assert.deepEqual(lines, [6, 10]);
      assert.match(dump.diagnostics[0].message, /table filter appears twice \(first at line 1\)/);
      assert.match(dump.diagnostics[1].message, /rule outside a table: it comes after COMMIT/);
      assert.deepEqual(targets, ['filter/X/ACCEPT']);
    });

    it('reports a "!" not followed by an option, bad counters, other commands and stray arguments', () => {
      const text = `${header}-A X ! tcp -j ACCEPT\n-A X -j LOG !\n[1:x] -A X -j DROP\n-I X -j DROP\n-A X -p tcp 80 -j DROP\n:Y - [a:b]\n:X - [0:0]\n-A X -j RETURN\nCOMMIT\nCOMMIT\n`;
      const { dump, lines, targets } = diagnose(text);
      assert.deepEqual(lines, [4, 5, 6, 7, 8, 9, 10, 13]);
      const messages = dump.diagnostics.map((d) => d.message);
      assert.match(messages[0], /"!" must be followed by an option, found "tcp"/);
      assert.match(messages[1], /found the end of the line/);
      assert.match(messages[2], /bad counters "\[1:x\]"/);
      assert.match(messages[3], /unsupported command "-I"/);
      assert.match(messages[4], /argument "80" does not follow an option/);
      assert.match(messages[5], /bad counters "\[a:b\]" for chain Y/);
      assert.match(messages[6], /chain X is declared twice/);
      assert.match(messages[7], /COMMIT outside a table/);
      assert.deepEqual(targets, ['filter/X/RETURN']);
    });
  });

  describe('arbitrary input', () => {
    const alphabet = [
      '"',
      '\\',
      ' ',
      '!',
      '-',
      '[',
      ']',
      ':',
      '*',
      '\n',
      '\r',
      '#',
      "'",
      'A',
      'j',
      'm',
      '0',
      'COMMIT',
      '-A ',
      '*nat\n',
      ':X - [0:0]\n',
      '\0',
      '\u{1F600}',
      '\ud800',
    ];
    const sources = fixtureNames.map(fixture);

    function checkReturns(text: string): IptablesDump {
      const dump = parseIptablesSave(text);
      assert.ok(Array.isArray(dump.tables) && Array.isArray(dump.diagnostics));
      const lineCount = Math.max(text.split('\n').length, 1);
      for (const d of dump.diagnostics)
        assert.ok(d.line >= 1 && d.line <= lineCount, `diagnostic line ${d.line} of ${lineCount}`);
      return dump;
    }

    it('never throws on random strings', () => {
      const random = seededRandom(1);
      for (let n = 0; n < 3000; n++) {
        let text = '';
        const length = Math.floor(random() * 200);
        for (let i = 0; i < length; i++) {
          text +=
            random() < 0.7
              ? alphabet[Math.floor(random() * alphabet.length)]
              : String.fromCharCode(Math.floor(random() * 0x10000));
        }
        checkReturns(text);
      }
    });

    it('never throws on mutated fixtures, and what it parses prints back to the same structure', () => {
      const random = seededRandom(2);
      for (let n = 0; n < 1500; n++) {
        let text = sources[n % sources.length];
        for (let edits = 1 + Math.floor(random() * 8); edits > 0; edits--) {
          const at = Math.floor(random() * text.length);
          const choice = random();
          if (choice < 0.3) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 20));
          else if (choice < 0.7)
            text = text.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + text.slice(at);
          else if (choice < 0.85) text = text.slice(0, at);
          else text = text.slice(at) + text.slice(0, at);
        }
        const dump = checkReturns(text);
        const again = parseIptablesSave(printDump(dump));
        assert.deepEqual(again.diagnostics, [], `reprinted mutation ${n} parses cleanly`);
        assert.deepEqual(structureOf(again), structureOf(dump), `mutation ${n} keeps its structure`);
      }
    });
  });
});
