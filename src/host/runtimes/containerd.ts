// containerd and Kubernetes (CRI) without gRPC: each running task's OCI bundle under
// /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/ holds config.json, whose linux.namespaces names the
// network namespace's path and whose annotations name the pod, its Kubernetes namespace, the container and the sandbox.
// A bundle's init.pid is the fallback when the config has no path (the task made its own namespace). Untrusted text,
// read with a size cap; a missing folder is "unavailable", never an error.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContainer, RuntimeInfo } from '../../core/runtime';
import { inodeOf, list, netnsOfPid, obj, str } from './read';

export const DEFAULT_CONTAINERD_TASKS = '/run/containerd/io.containerd.runtime.v2.task';
/** How an absent task folder is worded: containerd is not installed or not running. */
export const NO_TASKS = 'no containerd task folder at';
const MAX_CONFIG = 4 * 1024 * 1024;

/** The namespace of a bundle's init process (its init.pid), when the config names no network path. */
async function netnsOfBundle(pidFile: string, procDir: string): Promise<string | null> {
  try {
    return await netnsOfPid(Number((await fs.readFile(pidFile, 'utf8')).trim()), procDir);
  } catch {
    return null;
  }
}

/** Reads every task bundle; `root` is the task folder (one sub-folder per containerd namespace: `k8s.io`, `moby`…). */
export async function readContainerd(root = DEFAULT_CONTAINERD_TASKS, procDir = '/proc'): Promise<RuntimeInfo> {
  const status = (s: 'ok' | 'unavailable' | 'permission' | 'error', message: string) => ({
    runtime: 'containerd' as const,
    endpoint: root,
    status: s,
    version: null,
    message,
  });
  let spaces: string[];
  try {
    spaces = await fs.readdir(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      containers: [],
      networks: [],
      runtimes: [
        code === 'EACCES'
          ? status('permission', `no permission to read ${root}`)
          : status('unavailable', `${NO_TASKS} ${root}`),
      ],
    };
  }
  const containers: RuntimeContainer[] = [];
  for (const space of spaces.sort()) {
    // Docker's own tasks (`moby`) are named by the Docker source, which knows their names.
    if (space === 'moby') continue;
    let ids: string[] = [];
    try {
      ids = (await fs.readdir(join(root, space))).sort();
    } catch {
      continue;
    }
    for (const id of ids.slice(0, 10_000)) {
      const bundle = join(root, space, id);
      let config: Record<string, unknown>;
      try {
        const stat = await fs.stat(join(bundle, 'config.json'));
        if (stat.size > MAX_CONFIG) continue;
        config = obj(JSON.parse(await fs.readFile(join(bundle, 'config.json'), 'utf8')));
      } catch {
        continue;
      }
      const annotations = obj(config.annotations);
      const netPath = list(obj(config.linux).namespaces)
        .map(obj)
        .find((n) => n.type === 'network');
      const path = str(netPath?.path);
      const namespace = path ? await inodeOf(path) : await netnsOfBundle(join(bundle, 'init.pid'), procDir);
      const type = str(annotations['io.kubernetes.cri.container-type']);
      const pod = str(annotations['io.kubernetes.cri.sandbox-name']);
      const name =
        type === 'sandbox'
          ? `${pod ?? id.slice(0, 12)} (pod sandbox)`
          : (str(annotations['io.kubernetes.cri.container-name']) ?? id.slice(0, 12));
      containers.push({
        runtime: 'containerd',
        id,
        name,
        image: str(annotations['io.kubernetes.cri.image-name']),
        networkMode: null,
        networks: [],
        project: null,
        service: null,
        lab: null,
        pod,
        podNamespace: str(annotations['io.kubernetes.cri.sandbox-namespace']),
        namespace,
      });
    }
  }
  return {
    containers,
    networks: [],
    runtimes: [status('ok', `${containers.length} task${containers.length === 1 ? '' : 's'} outside Docker`)],
  };
}

/** Several runtimes' answers as one. */
export function mergeRuntimes(parts: readonly RuntimeInfo[]): RuntimeInfo {
  return {
    containers: parts.flatMap((p) => p.containers),
    networks: parts.flatMap((p) => p.networks),
    runtimes: parts.flatMap((p) => p.runtimes),
  };
}
