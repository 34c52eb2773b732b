// Every iptables extension on a real kernel: the rule sets of test/fixtures/iptables/extensions are loaded into a
// namespace of their own, read back through `netns-explorer rules --json`, and every rule must be put into words
// (the goal is at most 5% of rules with anything not interpreted).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecRunner } from '../../src/host/runner';
import { REPO, requireRoot, runCli } from './helpers';

const NS = 'nxe-every';
const DIR = join(REPO, 'test/fixtures/iptables/extensions');
const runner = new ExecRunner({ timeoutMs: 30_000 });

interface RuleRow {
  family: string;
  table: string;
  chain: string;
  text: string;
  explanation: string;
  uninterpreted: string[];
}

describe('every iptables extension, loaded into a real kernel, put into words', function () {
  this.timeout(120_000);

  before(async function () {
    requireRoot(this);
    await runner.run(['ip', 'netns', 'del', NS]);
    assert.equal((await runner.run(['ip', 'netns', 'add', NS])).failure, null);
    for (const [tool, file] of [
      ['iptables-restore', 'every.v4.rules'],
      ['ip6tables-restore', 'every.v6.rules'],
    ] as const) {
      const r = await runner.run(['ip', 'netns', 'exec', NS, tool], { input: readFileSync(join(DIR, file), 'utf8') });
      assert.equal(r.failure, null, `${tool} ${file}: ${r.stderr}`);
    }
  });

  after(async () => {
    if (process.getuid?.() === 0) await runner.run(['ip', 'netns', 'del', NS]);
  });

  it('reads back every rule the kernel holds, each with its explanation; at most 5% with anything uninterpreted', async () => {
    const r = await runCli(['rules', '--in', NS, '--json']);
    assert.equal(r.failure, null, r.stderr);
    const rows = JSON.parse(r.stdout) as RuleRow[];
    let held = 0;
    for (const tool of ['iptables-save', 'ip6tables-save']) {
      const save = await runner.run(['ip', 'netns', 'exec', NS, tool]);
      const lines = save.stdout.split('\n').filter((l) => l.startsWith('-A '));
      held += lines.length;
      // Each rule as iptables-save prints it, unchanged.
      for (const line of lines)
        assert.ok(
          rows.some((row) => row.text === line),
          `${tool}: ${line}`,
        );
    }
    assert.equal(rows.length, held);
    assert.ok(held > 100, `${held} rules loaded`);
    for (const row of rows) assert.ok(row.explanation.length > 0, row.text);
    const left = rows.filter((row) => row.uninterpreted.length > 0);
    const share = left.length / rows.length;
    assert.ok(
      share <= 0.05,
      `${left.length} of ${rows.length} rules with something uninterpreted:\n${left.map((l) => `${l.text} => ${l.uninterpreted.join(', ')}`).join('\n')}`,
    );
    console.log(
      `      ${rows.length} rules, ${left.length} with anything uninterpreted (${(share * 100).toFixed(1)}%)`,
    );
  });
});
