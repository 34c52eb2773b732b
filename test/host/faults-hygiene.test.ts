// Extension hygiene without VS Code: secrets in the environment never reach logged command lines, and log.ts writes
// neither the environment nor command output.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecRunner, formatArgv, type CommandResult } from '../../src/host/runner';
import { REPO } from './helpers';

const SECRET = 'nxh-s3cr3t-9f2c1a7e';

/** The line the output channel writes for a command (src/extension/log.ts builds it from the same parts). */
function logLine(result: CommandResult): string {
  const how = result.failure ? `${result.failure.reason}: ${result.failure.message}` : 'ok';
  return `${formatArgv(result.argv)} (${Math.round(result.durationMs)} ms) ${how}`;
}

describe('hygiene: secrets and trusted content', () => {
  it("a secret in the runner's environment reaches the command but never its logged line", async () => {
    const logged: string[] = [];
    const runner = new ExecRunner({
      env: { NX_TOKEN: SECRET, AWS_SECRET_ACCESS_KEY: SECRET },
      onCommand: (r) => logged.push(logLine(r)),
    });
    const ok = await runner.run(['sh', '-c', 'test -n "$NX_TOKEN"']);
    assert.equal(ok.failure, null);
    const env = await runner.run(['env']);
    assert.match(env.stdout, new RegExp(SECRET), 'the command really had the secret in its environment');
    const failing = await runner.run(['ip', '-n', 'nxh-no-such-namespace', 'link']);
    assert.ok(failing.failure, 'a failing command is logged with its reason');
    assert.equal(logged.length, 3);
    for (const line of logged) assert.ok(!line.includes(SECRET), `logged line holds no secret: ${line}`);
    assert.ok(
      !JSON.stringify([ok.argv, env.argv, failing.argv]).includes(SECRET),
      'argv (what is recorded and logged) holds no secret',
    );
  });

  it('log.ts writes only the argv, the duration and the failure: never env or stdout', () => {
    const log = readFileSync(join(REPO, 'src/extension/log.ts'), 'utf8');
    assert.doesNotMatch(
      log,
      /\benv\b|process\.env|\.stdout|\.stderr/,
      'the output channel code touches no environment or output',
    );
    assert.match(log, /formatArgv\(result\.argv\)/);
  });
  // Trusted Markdown, command URIs and notifications outside notify.ts are lint rules now (eslint.config.mjs,
  // proven by test/unit/lint.test.ts).
});
