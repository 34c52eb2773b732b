// Shared helpers for tests that run against the real kernel: the built CLI, root checks, tool paths.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExecRunner, type CommandResult } from '../../src/host/runner';

export const REPO = resolve(__dirname, '../../..');
export const CLI = join(REPO, 'dist/cli.js');

export function requireRoot(ctx: Mocha.Context): void {
  if (process.getuid?.() !== 0) ctx.skip();
}

/** Runs the bundled CLI as a user would, with extra environment (a PATH with fake tools). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CommandResult> {
  return new ExecRunner({ timeoutMs, env }).run([process.execPath, CLI, ...args]);
}

export function whichTool(tool: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const path = join(dir, tool);
    if (existsSync(path)) return path;
  }
  throw new Error(`${tool} not found`);
}
