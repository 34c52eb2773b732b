// The lint config's own test: each layer rule and hygiene rule fails on a file that breaks it, and the copy detector
// fails on a repeated block. Without this a rule that silently stopped matching would leave `npm run lint` green.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const REPO = join(__dirname, '../../..');

async function ruleIds(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO });
  const [result] = await eslint.lintText(code, { filePath: join(REPO, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: { file: string; code: string; rule: string }[] = [
  {
    file: 'src/core/x.ts',
    code: "import * as vscode from 'vscode';\nexport const v = vscode;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/x.ts',
    code: "import { execa } from 'execa';\nexport const e = execa;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/x.ts',
    code: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/x.ts',
    code: "import { spawn } from 'child_process';\nexport const s = spawn;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/x.ts',
    code: "import { ExecRunner } from '../host/runner';\nexport const r = ExecRunner;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/a/x.ts',
    code: "import { log } from '../../extension/log';\nexport const l = log;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/host/x.ts',
    code: "import * as vscode from 'vscode';\nexport const v = vscode;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/host/x.ts',
    code: "import { main } from '../cli/main';\nexport const m = main;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/cli/x.ts',
    code: "import { activate } from '../extension/extension';\nexport const a = activate;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/extension/x.ts',
    code: "import { start } from '../../webview/main';\nexport const s = start;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'webview/x.ts',
    code: "import { ExecRunner } from '../src/host/runner';\nexport const r = ExecRunner;\n",
    rule: 'no-restricted-imports',
  },
  {
    file: 'src/core/x.ts',
    code: 'export const f = (x: any): number => x;\n',
    rule: '@typescript-eslint/no-explicit-any',
  },
  {
    file: 'src/extension/x.ts',
    code: "import * as vscode from 'vscode';\nexport const n = (t: string) => vscode.window.showWarningMessage(t);\n",
    rule: 'no-restricted-syntax',
  },
  {
    file: 'src/extension/x.ts',
    code: "import * as vscode from 'vscode';\nexport const md = new vscode.MarkdownString('', true);\n",
    rule: 'no-restricted-syntax',
  },
  {
    file: 'src/extension/x.ts',
    code: 'export const f = (md: { isTrusted: boolean }) => { md.isTrusted = true; };\n',
    rule: 'no-restricted-syntax',
  },
  {
    file: 'src/extension/x.ts',
    code: 'export const o = { enableScripts: true, enableCommandUris: true };\n',
    rule: 'no-restricted-syntax',
  },
  { file: 'src/extension/x.ts', code: "export const view = 'netnsExplorer.nat';\n", rule: 'no-restricted-syntax' },
  { file: 'src/core/x.ts', code: `// ${'long comment '.repeat(10)}\nexport const a = 1;\n`, rule: 'max-len' },
];

describe('lint: layer boundaries and hygiene are enforced', function () {
  this.timeout(60000);

  for (const c of cases) {
    it(`${c.file}: ${c.code.replace(/\n/g, ' ').slice(0, 100)} → ${c.rule}`, async () => {
      const found = await ruleIds(c.file, c.code);
      assert.ok(
        found.some((m) => m.startsWith(`${c.rule}:`)),
        `expected ${c.rule}, got ${JSON.stringify(found)}`,
      );
    });
  }

  it('allows what each layer may do: core imports core, extension imports core, host runs commands', async () => {
    assert.deepEqual(
      await ruleIds('src/core/x.ts', "import { parseIp } from './net/address';\nexport const p = parseIp;\n"),
      [],
    );
    assert.deepEqual(
      await ruleIds(
        'src/extension/x.ts',
        "import { parseIp } from '../core/net/address';\nexport const p = parseIp;\n",
      ),
      [],
    );
    assert.deepEqual(await ruleIds('src/host/x.ts', "import { execa } from 'execa';\nexport const e = execa;\n"), []);
    assert.deepEqual(
      await ruleIds(
        'src/extension/notify.ts',
        "import * as vscode from 'vscode';\nexport const n = (t: string) => vscode.window.showWarningMessage(t);\n",
      ),
      [],
    );
  });

  it('the copy detector fails on a block repeated over 10 lines, and passes on the same code once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-jscpd-'));
    try {
      const body = Array.from(
        { length: 14 },
        (_, i) => `  const v${i} = input.map((x) => x * ${i + 2} + offset - ${i});`,
      ).join('\n');
      const fn = (name: string) =>
        `export function ${name}(input: number[], offset: number): number {\n${body}\n  return v13.length + v0.length;\n}\n`;
      writeFileSync(join(dir, 'a.ts'), fn('first'));
      const jscpd = (args: string[]) =>
        spawnSync(join(REPO, 'node_modules/.bin/jscpd'), ['--config', join(REPO, '.jscpd.json'), ...args], {
          encoding: 'utf8',
        });
      assert.equal(jscpd([dir]).status, 0, 'one copy of the code is no duplicate');
      writeFileSync(join(dir, 'b.ts'), fn('second'));
      const twice = jscpd([dir]);
      assert.notEqual(twice.status, 0, `a repeated block must fail: ${twice.stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
