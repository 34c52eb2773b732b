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

/**
 * Live tcpdumps writing a pcap stream, as captures run them (`tcpdump -i IFACE … -w -`). Zombies are not counted: a
 * tcpdump killed with its capturer is reparented to PID 1, which on some machines (a firecracker VM's init) never
 * reaps it.
 */
export async function liveCaptureTcpdumps(): Promise<string[]> {
  const r = await new ExecRunner().run(['ps', '-eo', 'stat=,args=']);
  return r.stdout.split('\n').filter((l) => !/^\s*Z/.test(l) && /\btcpdump -i .* -w -/.test(l));
}

/** Waits up to `ms` for every capture tcpdump to be gone; returns those left. */
export async function noCaptureTcpdumpWithin(ms: number): Promise<string[]> {
  let left: string[] = [];
  for (let waited = 0; waited <= ms; waited += 100) {
    left = await liveCaptureTcpdumps();
    if (!left.length) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}
