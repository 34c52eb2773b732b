// `npm run test:electron [-- --no-build]`: runs the extension-host suites (test/integration) in desktop VS Code via
// @vscode/test-electron.
// For machines with internet (it downloads VS Code into .vscode-test/); offline machines and CI use
// `node scripts/vscode-test.mjs integration` (code-server) instead. On a Linux box without a display, run under
// xvfb-run.
//
//   NX_VSCODE_VERSION=1.100.3   VS Code version to download (default: 1.100.3, the engine this extension targets)
//   VSCODE_EXECUTABLE=/path     use an installed VS Code instead of downloading
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = fileURLToPath(new URL('..', import.meta.url));
const version = process.env.NX_VSCODE_VERSION ?? '1.100.3';
const extensionTestsPath = join(root, 'out/test/integration/index.js');

if (
  !process.argv.includes('--no-build') &&
  spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0
) {
  console.error('[test-electron] build failed');
  process.exit(1);
}
if (!existsSync(extensionTestsPath)) {
  console.error(`[test-electron] ${extensionTestsPath} is missing (no test/integration/index.ts?)`);
  process.exit(1);
}

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (!vscodeExecutablePath) {
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: join(root, '.vscode-test') });
  } catch (err) {
    console.error(`[test-electron] could not download VS Code ${version}: ${err?.message ?? err}`);
    console.error('[test-electron] this runner needs internet access (update.code.visualstudio.com). Offline, use');
    console.error(
      '[test-electron]   node scripts/vscode-test.mjs integration   (the same suites in code-server), or set VSCODE_EXECUTABLE.',
    );
    process.exit(2);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'nx-electron-'));
const statsFile = process.env.NX_STATS_FILE ?? join(scratch, 'stats.json');
let code = 0;
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath,
    extensionTestsEnv: { NX_STATS_FILE: statsFile },
    launchArgs: [
      root,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      join(scratch, 'user-data'),
      '--extensions-dir',
      join(scratch, 'extensions'),
    ],
  });
} catch (err) {
  console.error(`[test-electron] ${err?.message ?? err}`);
  code = 1;
}
if (existsSync(statsFile)) {
  const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  console.log(`[test-electron] ${stats.passed} passed, ${stats.failed} failed, ${stats.skipped} skipped`);
}
rmSync(scratch, { recursive: true, force: true });
process.exit(code);
