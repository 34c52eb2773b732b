// Every runtime asked at once, each optional: Docker (its socket), Podman (its Docker-compatible socket) and
// containerd/Kubernetes (task bundles). One status line each; the kernel view never waits on more than the slowest
// (2 s at most for a hung daemon).
import type { RuntimeInfo, RuntimeStatus } from '../../core/runtime';
import { DEFAULT_CONTAINERD_TASKS, mergeRuntimes, NO_TASKS, readContainerd } from './containerd';
import { dockerEndpoint, NO_SOCKET, readDocker } from './docker';

/** A runtime that is simply not on this host (no socket, no task folder): the views stay quiet about it. */
export function notInstalled(r: RuntimeStatus): boolean {
  return r.status === 'unavailable' && (r.message.startsWith(NO_SOCKET) || r.message.startsWith(NO_TASKS));
}

export const DEFAULT_PODMAN_HOST = 'unix:///run/podman/podman.sock';

export interface RuntimeOptions {
  /** Docker's socket (flag or setting); undefined: DOCKER_HOST, else Docker's default. */
  dockerHost?: string;
  podmanHost?: string;
  containerdTasks?: string;
}

export async function readRuntimes(options: RuntimeOptions = {}): Promise<RuntimeInfo> {
  return mergeRuntimes(
    await Promise.all([
      readDocker({ endpoint: dockerEndpoint(options.dockerHost) }),
      readDocker({ endpoint: options.podmanHost ?? DEFAULT_PODMAN_HOST, runtime: 'podman' }),
      readContainerd(options.containerdTasks ?? DEFAULT_CONTAINERD_TASKS),
    ]),
  );
}
