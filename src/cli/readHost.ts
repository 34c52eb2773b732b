// The read every analysing command starts with (trace, rules): root as configured, then the kernel's view with the
// runtimes' container names linked in.
import type { NamespaceId, Snapshot } from '../core/model';
import type { NamespaceExtras } from '../core/trace/types';
import { linkRuntime } from '../core/runtime';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import { runnerFor, type PrivilegeSetting } from '../host/privilege';
import type { Privilege, Runner } from '../host/runner';
import { readRuntimes } from '../host/runtimes';
import { collectTraceExtras } from '../host/trace/collect';

/** The options every command that reads the host takes (`parseArgs` form): --in, --json, and how to read. */
export const HOST_READ_ARGS = {
  in: { type: 'string' },
  json: { type: 'boolean', default: false },
  privilege: { type: 'string', default: 'auto' },
  'docker-netns-dir': { type: 'string', multiple: true },
  'docker-host': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface ReadHostOptions {
  privilege?: string;
  timeout?: string;
  dockerNetnsDirs?: string[];
  dockerHost?: string;
}

export interface HostRead {
  runner: Runner;
  /** The prefix the runner puts before commands, for the long-running ones it does not run (capture). */
  privilege: Privilege;
  snapshot: Snapshot;
  /** With `extras`: what a trace needs beyond the snapshot, read beside it. */
  extras?: Map<NamespaceId, NamespaceExtras>;
}

export async function readHost(o: ReadHostOptions, want: { extras?: boolean } = {}): Promise<HostRead> {
  const { runner, choice } = await runnerFor({
    privilege: (o.privilege ?? 'auto') as PrivilegeSetting,
    timeoutMs: o.timeout !== undefined ? Number(o.timeout) : undefined,
  });
  if (choice.readOnly) process.stderr.write(`netns-explorer: read-only: ${choice.reason}\n`);
  const discovery = await discoverNamespaces({ dockerDirs: o.dockerNetnsDirs ?? DEFAULT_DOCKER_DIRS });
  // Container names from the runtime, so `--from redis` works (the kernel view decides everything else).
  // The extras need only the namespaces' identities, so they are read beside the snapshot, not after it.
  const [kernel, runtimes, extras] = await Promise.all([
    collectSnapshot(runner, discovery),
    readRuntimes({ dockerHost: o.dockerHost }),
    want.extras ? collectTraceExtras(runner, discovery) : undefined,
  ]);
  return {
    runner,
    privilege: choice.privilege,
    snapshot: linkRuntime(kernel, runtimes),
    ...(extras ? { extras } : {}),
  };
}
