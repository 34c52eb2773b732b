// Property tests of the command line: argument parsing on random argv, and the built CLI's exit codes on junk.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CliUsageError, parseCliArgs } from '../../src/cli/args';
import { fuzzParams } from './fuzz-config';

const CLI = join(__dirname, '../../../dist/cli.js');
const FLAGS = [
  '--json',
  '--replay',
  '--privilege',
  '--docker-netns-dir',
  '--timeout',
  '--concurrency',
  '--help',
  '-h',
  '--',
  '-',
  '--nope',
  '-x',
  '--json=1',
  '--timeout=5',
  '--privilege=sudo',
];
const argArb = fc.oneof(
  fc.constantFrom(
    ...FLAGS,
    'snapshot',
    'record',
    'auto',
    'sudo',
    'none',
    'pkexec',
    '0',
    '-1',
    '1.5',
    '1e3',
    'NaN',
    '',
    ' ',
    '<img src=x onerror=alert(1)>',
    '$(id)',
    '-nxh-lead',
  ),
  fc.string({ maxLength: 12 }),
);
const argvArb = fc.array(argArb, { maxLength: 8 });

describe('fuzz: command line arguments', () => {
  it('parseCliArgs: checked options or a usage error, nothing else', () => {
    fc.assert(
      fc.property(argvArb, (argv) => {
        let options;
        try {
          options = parseCliArgs(argv);
        } catch (e) {
          const code = (e as { code?: string }).code ?? '';
          assert.ok(e instanceof CliUsageError || code.startsWith('ERR_PARSE_ARGS'), `unexpected ${String(e)}`);
          return;
        }
        if (options.help || options.command === undefined) return;
        assert.ok(['auto', 'sudo', 'pkexec', 'none'].includes(options.privilege));
        for (const n of [options.timeoutMs, options.concurrency])
          assert.ok(n === undefined || (Number.isInteger(n) && n > 0));
        // A folder given once stays one argument, whatever it holds.
        for (const d of options.dockerNetnsDirs ?? [])
          assert.ok(argv.includes(d) || argv.includes(`--docker-netns-dir=${d}`));
      }),
      fuzzParams(0xc11, 5000),
    );
  });

  it('the built CLI on junk: exit 2 with usage, or 1 with one message; never a stack trace', function () {
    if (!existsSync(CLI)) this.skip();
    this.timeout(120_000);
    // --replay of a folder that does not exist keeps every run away from the live host.
    fc.assert(
      fc.property(argvArb, (argv) => {
        // `record DIR` runs a live read and writes DIR: not for a fuzzer, which would fill the checkout with folders.
        fc.pre(!argv.includes('record'));
        const r = spawnSync(process.execPath, [CLI, ...argv, '--replay', '/nonexistent-nxh-replay'], {
          encoding: 'utf8',
          timeout: 20_000,
          cwd: tmpdir(),
        });
        assert.ok([0, 1, 2].includes(r.status ?? -1), `exit ${r.status} for ${JSON.stringify(argv)}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace for ${JSON.stringify(argv)}`);
        // No command at all prints the usage (exit 2); every other failure says what was wrong in one line first.
        if (r.status !== 0)
          assert.ok(
            /^netns-explorer: /.test(r.stderr) || (r.status === 2 && /^usage:/.test(r.stdout)),
            `${r.status}: ${r.stderr}${r.stdout}`,
          );
      }),
      fuzzParams(0xc12, 25, 300),
    );
  });
});
