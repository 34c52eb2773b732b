// The read every analysing command starts with (trace, rules): root as configured, then the kernel's view with the
// runtimes' container names linked in.
import type { Snapshot } from '../core/model';
import { linkRuntime } from '../core/runtime';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import { runnerFor, type PrivilegeSetting } from '../host/privilege';
import type { Runner } from '../host/runner';
import { readRuntimes } from '../host/runtimes';

export interface ReadHostOptions {
  privilege?: string;
  timeout?: string;
  dockerNetnsDirs?: string[];
  dockerHost?: string;
}

export async function readHost(o: ReadHostOptions): Promise<{ runner: Runner; snapshot: Snapshot }> {
  const { runner, choice } = await runnerFor({
    privilege: (o.privilege ?? 'auto') as PrivilegeSetting,
    timeoutMs: o.timeout !== undefined ? Number(o.timeout) : undefined,
  });
  if (choice.readOnly) process.stderr.write(`netns-explorer: read-only: ${choice.reason}\n`);
  const discovery = await discoverNamespaces({ dockerDirs: o.dockerNetnsDirs ?? DEFAULT_DOCKER_DIRS });
  // Container names from the runtime, so `--from redis` works (the kernel view decides everything else).
  const [kernel, runtimes] = await Promise.all([
    collectSnapshot(runner, discovery),
    readRuntimes({ dockerHost: o.dockerHost }),
  ]);
  return { runner, snapshot: linkRuntime(kernel, runtimes) };
}
