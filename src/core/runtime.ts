// What container runtimes (Docker, Podman, containerd/CRI, containerlab) add to the kernel view: names and grouping
// only. The kernel stays the source of truth: a container is linked to a namespace by kernel identity (the inode of
// its network namespace, found by the host layer from the container's pid or sandbox key), never by name or address.
// Every name and label here came from a runtime's API: untrusted text, shown as data everywhere.
import type { NamespaceId, Snapshot } from './model';

export type RuntimeName = 'docker' | 'podman' | 'containerd' | 'containerlab';

export interface RuntimeContainer {
  runtime: RuntimeName;
  id: string;
  /** The name the user knows (`redis`). */
  name: string;
  image: string | null;
  /** Docker's network mode: `bridge`, `host`, `none`, `container:<id>`, or a network's name. */
  networkMode: string | null;
  networks: { name: string; ipv4: string | null; ipv6: string | null }[];
  /** Compose: `com.docker.compose.project` / `.service`. */
  project: string | null;
  service: string | null;
  /** containerlab: the lab's name. */
  lab: string | null;
  /** Kubernetes: the pod and its namespace (CRI annotations). */
  pod: string | null;
  podNamespace: string | null;
  /** The network namespace's id (inode) as the host layer resolved it; null when it could not be. */
  namespace: NamespaceId | null;
}

export interface RuntimeNetwork {
  runtime: RuntimeName;
  id: string;
  name: string;
  driver: string | null;
  /** The bridge it makes (`docker0`, `br-22f45755cc8f`) and the namespace that holds it. */
  bridge: { namespace: NamespaceId | null; name: string } | null;
  subnets: string[];
}

export type RuntimeStatusKind = 'ok' | 'unavailable' | 'permission' | 'timeout' | 'error';

export interface RuntimeStatus {
  runtime: RuntimeName;
  /** Where it was asked: `unix:///var/run/docker.sock`. */
  endpoint: string;
  status: RuntimeStatusKind;
  version: string | null;
  /** One plain line: why it is not `ok`, or what was found. */
  message: string;
}

/** Everything the runtimes said. */
export interface RuntimeInfo {
  containers: RuntimeContainer[];
  networks: RuntimeNetwork[];
  runtimes: RuntimeStatus[];
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
  // The container that owns the namespace first; those that joined it (`--network container:…`) after it.
  const joined = (c: RuntimeContainer) => Number(c.networkMode?.startsWith('container:') ?? false);
  for (const list of out.values()) list.sort((a, b) => joined(a) - joined(b) || a.name.localeCompare(b.name));
  return out;
}

/** The network whose bridge this is (`appnet` for `br-22f45755cc8f`), or null. */
export function networkOfBridge(
  snapshot: Pick<Snapshot, 'runtime'>,
  ns: NamespaceId,
  bridge: string,
): RuntimeNetwork | null {
  return (
    snapshot.runtime?.networks.find(
      (n) => n.bridge?.name === bridge && (n.bridge.namespace === null || n.bridge.namespace === ns),
    ) ?? null
  );
}

/**
 * The snapshot with what the runtimes said: each namespace gets the names of its containers (linked by inode), each
 * network's bridge the namespace that holds it (the one where that network's containers' cables end), and the
 * runtime data is kept for the JSON, the tree and the CLI.
 */
export function linkRuntime(snapshot: Snapshot, info: RuntimeInfo): Snapshot {
  const linked: Snapshot = { ...snapshot, runtime: info };
  const byNs = containersByNamespace(linked);
  // A host-mode container shares the daemon's namespace: it is listed there, but does not rename it.
  const namespaces = snapshot.namespaces.map((n) => {
    const names = byNs
      .get(n.id)
      ?.filter((c) => c.networkMode !== 'host')
      .map((c) => c.name);
    return names?.length ? { ...n, containerNames: names } : n;
  });
  const networks = info.networks.map((net) => {
    if (!net.bridge) return net;
    const holders = snapshot.bridges.filter((b) => b.name === net.bridge!.name);
    // Among namespaces holding a bridge of that name, the one a container of this network is cabled to.
    const members = new Set(
      info.containers.filter((c) => c.networks.some((x) => x.name === net.name)).map((c) => c.namespace),
    );
    const cabled = holders.find((b) =>
      b.ports.some((port) => {
        const iface = snapshot.namespaces.find((n) => n.id === b.namespace)?.interfaces.find((i) => i.name === port);
        return iface?.peer ? members.has(iface.peer.namespace) : false;
      }),
    );
    const holder = cabled ?? (holders.length === 1 ? holders[0] : undefined);
    return { ...net, bridge: { name: net.bridge.name, namespace: holder?.namespace ?? null } };
  });
  return { ...linked, namespaces, runtime: { ...info, networks } };
}

/**
 * The snapshot as `snapshot --json` prints it with runtimes: `namespaces[].containers[]`, `portMappings[].container`
 * (the target's container), and top-level `networks[]` and `runtimes[]`, every field present (`null` when unknown).
 */
export function withRuntimeFields(snapshot: Snapshot): unknown {
  const byNs = containersByNamespace(snapshot);
  const strip = ({ namespace: _ns, ...c }: RuntimeContainer) => c;
  const { runtime, ...rest } = snapshot;
  return {
    ...rest,
    namespaces: snapshot.namespaces.map(({ containerNames: _names, ...n }) => ({
      ...n,
      containers: (byNs.get(n.id) ?? []).map(strip),
    })),
    portMappings: snapshot.portMappings.map((m) => {
      const c = m.targetNamespace ? byNs.get(m.targetNamespace)?.find((x) => x.networkMode !== 'host') : undefined;
      return { ...m, container: c ? { runtime: c.runtime, id: c.id, name: c.name } : null };
    }),
    networks: runtime?.networks ?? [],
    runtimes: runtime?.runtimes ?? [],
  };
}
