// Finds every network namespace on the host: the tool's own, /run/netns, Docker's folder, and every process.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveredNamespace, Discovery, NamespaceKind, ProcessInfo } from '../core/model';
import { watchPids } from './runner';

export interface DiscoveryOptions {
  /** Where `ip netns` keeps named namespaces. */
  namedDir?: string;
  /** Docker's sandbox folders; more than one for rootless or relocated data roots. */
  dockerDirs?: string[];
  procDir?: string;
}

export const DEFAULT_NAMED_DIR = '/run/netns';
export const DEFAULT_DOCKER_DIRS = ['/var/run/docker/netns'];

interface Found {
  dev: number;
  ino: number;
  named: string[];
  docker: string[];
  procPaths: string[];
  processes: ProcessInfo[];
  self: boolean;
}

/** `pid:[4026531836]` -> `4026531836`. */
export function nsInode(link: string): string | null {
  const m = /\[(\d+)\]$/.exec(link);
  return m ? (m[1] ?? null) : null;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    return []; // a folder that does not exist here (no Docker, no named namespaces) is not an error
  }
}

/** Runs `work` over `items` with at most `limit` in flight: /proc can hold thousands of entries. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function discoverNamespaces(options: DiscoveryOptions = {}): Promise<Discovery> {
  const procDir = options.procDir ?? '/proc';
  const namedDir = options.namedDir ?? DEFAULT_NAMED_DIR;
  const dockerDirs = options.dockerDirs ?? DEFAULT_DOCKER_DIRS;
  const found = new Map<string, Found>();
  let unreadable = 0;

  const self = await fs.stat(join(procDir, 'self/ns/net'));
  const hostPidNamespace = await fs.readlink(join(procDir, 'self/ns/pid')).then(nsInode, () => null);

  const entry = (dev: number, ino: number): Found => {
    const key = `${dev}:${ino}`;
    let f = found.get(key);
    if (!f) {
      f = { dev, ino, named: [], docker: [], procPaths: [], processes: [], self: dev === self.dev && ino === self.ino };
      found.set(key, f);
    }
    return f;
  };
  entry(self.dev, self.ino);

  // A namespace file is a bind mount of nsfs: same device as our own. A plain file left behind
  // (a stale /run/netns entry whose mount is gone) is skipped and counted.
  const addFile = async (path: string, into: 'named' | 'docker'): Promise<void> => {
    try {
      const st = await fs.stat(path);
      if (st.dev !== self.dev) {
        unreadable++;
        return;
      }
      entry(st.dev, st.ino)[into].push(path);
    } catch {
      unreadable++;
    }
  };
  for (const name of await listDir(namedDir)) await addFile(join(namedDir, name), 'named');
  for (const dir of dockerDirs) for (const name of await listDir(dir)) await addFile(join(dir, name), 'docker');

  const own = watchPids();
  const pids = (await listDir(procDir))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => !own.has(pid))
    .sort((a, b) => a - b);
  const procs = await mapLimit(pids, 64, async (pid) => {
    const base = join(procDir, String(pid));
    try {
      const [st, comm, pidNs] = await Promise.all([
        fs.stat(join(base, 'ns/net')),
        fs.readFile(join(base, 'comm'), 'utf8'),
        fs.readlink(join(base, 'ns/pid')).then(nsInode, () => null),
      ]);
      return { pid, st, command: comm.replace(/\n$/, ''), pidNs };
    } catch {
      return null; // permission denied, or the process exited mid-scan
    }
  });
  for (const p of procs) {
    if (p === null) {
      unreadable++;
      continue;
    }
    const f = entry(p.st.dev, p.st.ino);
    f.procPaths.push(join(procDir, String(p.pid), 'ns/net'));
    f.processes.push({ pid: p.pid, command: p.command, pidNamespace: p.pidNs });
  }

  const namespaces: DiscoveredNamespace[] = [...found.values()].map((f) => {
    const kind: NamespaceKind = f.self ? 'host' : f.named.length ? 'named' : f.docker.length ? 'docker' : 'process';
    const name = f.named[0] ?? f.docker[0] ?? null;
    return {
      id: String(f.ino),
      dev: f.dev,
      ino: f.ino,
      kind,
      name: name === null ? null : name.slice(name.lastIndexOf('/') + 1),
      paths: [...f.named, ...f.docker, ...f.procPaths],
      processes: f.processes,
    };
  });
  return { namespaces, unreadable, hostPidNamespace };
}
