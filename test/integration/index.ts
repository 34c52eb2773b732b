// Extension-host test entry: VS Code calls run() inside its extension host; it runs every bundled *.it.js with mocha.
import Mocha from 'mocha';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function findSuites(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findSuites(path));
    else if (name.endsWith('.it.js')) out.push(path);
  }
  return out.sort();
}

// NX_STATS_FILE reaches the extension host through code-server's environment (scripts/vscode-test.mjs);
// the counts let scripts/test.mjs add this suite to its one summary line.
function writeStats(stats: { passes: number; failures: number; pending: number }): void {
  const file = process.env.NX_STATS_FILE;
  if (file)
    writeFileSync(file, JSON.stringify({ passed: stats.passes, failed: stats.failures, skipped: stats.pending }));
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60000, forbidOnly: true });
  for (const file of findSuites(__dirname)) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        writeStats(runner.stats ?? { passes: 0, failures, pending: 0 });
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}
