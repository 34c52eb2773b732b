// What container runtimes (Docker, Podman, containerd/CRI, containerlab) add to the kernel view: names and grouping
// only. The kernel stays the source of truth: a container is linked to a namespace by kernel identity (the inode of
// its network namespace, found by the host layer from the container's pid or sandbox key), never by name or address.
import type { NamespaceId, Snapshot } from './model';

export interface RuntimeContainer {
  /** `docker`, `podman`, `containerd`, `containerlab`... */
  runtime: string;
  id: string;
  /** The name the user knows (`redis`). Untrusted text. */
  name: string;
  /** The namespace's id (inode) as the host layer resolved it; null when it could not be (stopped, no access). */
  namespace: NamespaceId | null;
  /** Networks by name (`bridge`, `appnet`), with the container's address on each. */
  networks: { name: string; address: string | null }[];
  labels: Record<string, string>;
}

export interface RuntimeNetwork {
  runtime: string;
  id: string;
  name: string;
  /** The bridge interface in the host namespace (`docker0`, `br-22f45755cc8f`), when the driver makes one. */
  bridge: string | null;
  subnets: string[];
}

/** Everything the runtimes said; absent from a snapshot when none was asked or reachable. */
export interface RuntimeInfo {
  containers: RuntimeContainer[];
  networks: RuntimeNetwork[];
  /** Runtimes that could not be asked, and why (socket missing, permission denied). */
  errors: { runtime: string; message: string }[];
}

/**
 * The containers of each namespace, by kernel identity. Several containers can share one namespace (a Kubernetes
 * pod, `--network container:NAME`); a container whose namespace is not in the snapshot is left out.
 */
export function containersByNamespace(
  snapshot: Pick<Snapshot, 'namespaces' | 'runtime'>,
): Map<NamespaceId, RuntimeContainer[]> {
  const known = new Set(snapshot.namespaces.map((n) => n.id));
  const out = new Map<NamespaceId, RuntimeContainer[]>();
  for (const c of snapshot.runtime?.containers ?? []) {
    if (c.namespace === null || !known.has(c.namespace)) continue;
    const list = out.get(c.namespace);
    if (list) list.push(c);
    else out.set(c.namespace, [c]);
  }
  return out;
}
