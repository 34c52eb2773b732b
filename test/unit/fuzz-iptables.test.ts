// Property tests of the iptables-save parser and printer on random text and on fixtures mutated at random.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { printDump, printRule } from '../../src/core/iptables/print';
import type { IptablesDump, Rule } from '../../src/core/iptables/types';
import { fuzzParams, iptablesFixtures, mutate, mutationsArb } from './fuzz-config';

const fixtures = iptablesFixtures();

const structure = (r: Rule) => ({ counters: r.counters, matches: r.matches, target: r.target, comment: r.comment });

function reparse(line: string, table: string, chain: string): Rule {
  const dump = parseIptablesSave(`*${table}\n:${chain} - [0:0]\n${line}\nCOMMIT\n`);
  const rule = dump.tables[0]?.chains[0]?.rules[0];
  assert.ok(rule, `${JSON.stringify(line)} reparses: ${JSON.stringify(dump.diagnostics)}`);
  return rule;
}

/** The parser's contract: it returns (never throws), and every rule it accepted prints back to the line it read. */
function checkDump(text: string): IptablesDump {
  const dump = parseIptablesSave(text);
  for (const table of dump.tables) {
    for (const chain of table.chains) {
      chain.rules.forEach((rule, index) => {
        assert.equal(rule.index, index);
        assert.equal(rule.chain, chain.name);
        const printed = printRule(rule);
        if (printed === rule.text) return;
        // The one licensed difference: runs of spaces (and spaces at the ends), which iptables-save never writes,
        // print as single spaces, and the canonical line reads back as the very same rule.
        assert.ok(
          /(^ | {2}| $)/.test(rule.text),
          `line ${rule.line} prints back: ${JSON.stringify(printed)} vs ${JSON.stringify(rule.text)}`,
        );
        assert.deepEqual(
          structure(reparse(printed, table.name, chain.name)),
          structure(rule),
          `line ${rule.line}: canonical form is the same rule`,
        );
      });
    }
  }
  for (const d of dump.diagnostics) assert.ok(d.line >= 1 && typeof d.message === 'string' && d.message.length > 0);
  return dump;
}

/** Lines shaped like iptables-save's, from tokens that stress the tokenizer. */
const tokenArb = fc.oneof(
  fc.constantFrom(
    '-A',
    '-m',
    '-j',
    '-g',
    '!',
    '-p',
    'tcp',
    '--dport',
    '80',
    '-i',
    '-x',
    '--comment',
    '"a b"',
    '"\\""',
    '"\\\\"',
    '"',
    'DNAT',
    '--to-destination',
    '10.0.0.1:80',
    'DOCKER',
    'PREROUTING',
    'comment',
    '[0:0]',
    '[1:2',
    '-s',
    '!',
    '""',
    '"x\\"y"',
    '-',
  ),
  fc.string({ maxLength: 8 }),
);
const ruleLineArb = fc.array(tokenArb, { maxLength: 14 }).map((tokens) => tokens.join(' '));
const dumpArb = fc
  .tuple(
    fc.constantFrom('nat', 'filter', 'raw', '', 'n at'),
    fc.array(fc.constantFrom('PREROUTING', 'DOCKER', 'OUTPUT', 'X Y', ''), { maxLength: 4 }),
    fc.array(
      fc.oneof(
        ruleLineArb,
        ruleLineArb.map((l) => `-A DOCKER ${l}`),
        ruleLineArb.map((l) => `[3:4] -A PREROUTING ${l}`),
      ),
      { maxLength: 12 },
    ),
    fc.boolean(),
  )
  .map(([table, chains, rules, commit]) =>
    [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...rules, commit ? 'COMMIT' : ''].join('\n'),
  );

describe('fuzz: iptables-save parser', () => {
  it('any text: returns tables and diagnostics, never throws, accepted rules print back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => {
        checkDump(text);
      }),
      fuzzParams(0x1b7a1, 5000),
    );
  });

  it('dump-shaped random text: the same contract', () => {
    fc.assert(
      fc.property(dumpArb, (text) => {
        checkDump(text);
      }),
      fuzzParams(0x1b7a2, 5000),
    );
  });

  it('every recorded fixture, mutated (insertions, deletions, lines dropped, doubled, swapped, truncation): the same contract', () => {
    const arb = fc.tuple(fc.constantFrom(...fixtures), mutationsArb());
    fc.assert(
      fc.property(arb, ([f, ms]) => {
        checkDump(mutate(f.text, ms));
      }),
      fuzzParams(0x1b7a3, 3000),
    );
  });

  it('printDump of what was parsed reads back as the same rules', () => {
    const arb = fc.tuple(fc.constantFrom(...fixtures), mutationsArb(3));
    fc.assert(
      fc.property(arb, ([f, ms]) => {
        const first = checkDump(mutate(f.text, ms));
        const again = checkDump(printDump(first));
        const rules = (d: IptablesDump) =>
          d.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => `${t.name}/${c.name}/${printRule(r)}`)));
        assert.deepEqual(rules(again), rules(first));
      }),
      fuzzParams(0x1b7a4, 1500),
    );
  });
});
