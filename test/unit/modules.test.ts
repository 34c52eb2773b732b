// The one-file-per-module convention: every file under src/core/iptables/matches/ and targets/ is found by its name
// with nothing else registered, unknown names fall back to the generic handler, and names are never paths.
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { explainRule } from '../../src/core/explain/rule';
import { matchModule, targetModule } from '../../src/core/iptables/module';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { evaluateRule } from '../../src/core/trace/match';
import type { Packet } from '../../src/core/trace/packet';

const SRC = join(__dirname, '../../../src/core/iptables');
const names = (dir: string) =>
  readdirSync(join(SRC, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));

const rule = (line: string) =>
  parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n${line}\nCOMMIT\n`).tables[0].chains[0].rules[0];
const packet: Packet = {
  family: 'ipv4',
  protocol: 'tcp',
  src: '10.0.0.2',
  sport: 40000,
  dst: '10.0.0.1',
  dport: 80,
  inIface: 'eth0',
  outIface: null,
  ctstate: 'NEW',
  mark: 0,
  bridged: null,
};

describe('match modules and targets: one file each, found by name', () => {
  it('finds every match module file by its -m name, each with a reading', () => {
    const files = names('matches');
    assert.ok(files.length >= 20, `expected the match modules, found ${files.join(', ')}`);
    for (const name of files) assert.equal(typeof matchModule(name)?.read, 'function', `-m ${name}`);
  });

  it('finds every target file by its -j name, each with a description', () => {
    const files = names('targets');
    assert.ok(files.includes('DNAT') && files.includes('MASQUERADE') && files.includes('ACCEPT'));
    for (const name of files) assert.equal(typeof targetModule(name)?.describe, 'function', `-j ${name}`);
  });

  it('falls back to the generic handler for a module without a file, in words and in the trace', () => {
    assert.equal(matchModule('nosuchmodule'), null);
    const r = rule('-A INPUT -m nosuchmodule --weird 1 -j ACCEPT');
    assert.match(explainRule(r), /It also requires match 'nosuchmodule' \(not interpreted\)\./);
    const m = evaluateRule(r, { ...packet }, { addresses: [], hook: 'INPUT' });
    assert.equal(m.matched, false);
    assert.deepEqual(m.assumptions, ['-m nosuchmodule --weird 1: cannot be evaluated here; assumed not to match']);
  });

  it('takes a target without a file for a user chain, or names it as not interpreted when it has options', () => {
    assert.equal(targetModule('DOCKER'), null);
    assert.match(explainRule(rule('-A INPUT -j X')), /continues in chain X and comes back/);
    assert.match(
      explainRule(rule('-A INPUT -j NOSUCHTARGET --mss 1460')),
      /goes to target NOSUCHTARGET \(not interpreted\)/,
    );
  });

  it('never looks up a name that is not a plain module name (no paths, no helper files)', () => {
    for (const name of ['../module', '../../explain/rule', 'tcp/../udp', 'tcp.ts', '', 'TCP ', 'constructor']) {
      assert.equal(matchModule(name), null, `-m ${JSON.stringify(name)}`);
      assert.equal(targetModule(name), null, `-j ${JSON.stringify(name)}`);
    }
  });
});
