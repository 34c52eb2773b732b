// Which interfaces a capture takes: one named by the user (`NS:IFACE`), or every interface a traced packet crosses.
import { namespaceLabel } from '../labels';
import type { Namespace, NamespaceId, Snapshot } from '../model';
import { resolveNamespace } from '../namespaceRef';
import type { TopologyRef } from '../topology/types';
import type { PathHop } from '../trace/types';
import type { CaptureTarget } from './session';

export interface ResolvedSource {
  target: CaptureTarget;
  ns: Pick<Namespace, 'id' | 'kind' | 'paths'>;
}

/** The source for `iface` in `ns`, or why there is none (the interface is not there: the ones that are). */
export function sourceIn(ns: Namespace, iface: string): ResolvedSource | string {
  if (!ns.interfaces.some((i) => i.name === iface))
    return `${namespaceLabel(ns)} has no interface ${JSON.stringify(iface)} (it has ${
      ns.interfaces.map((i) => i.name).join(', ') || 'none'
    })`;
  return { target: { namespace: ns.id, label: namespaceLabel(ns), iface }, ns };
}

/** `NS:IFACE` (the interface after the last colon; NS as every command resolves it), or why it names nothing. */
export function resolveSource(snapshot: Snapshot, spec: string): ResolvedSource | string {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || colon === spec.length - 1) return `${JSON.stringify(spec)} is not NS:IFACE`;
  const ns = resolveNamespace(snapshot.namespaces, spec.slice(0, colon));
  return typeof ns === 'string' ? ns : sourceIn(ns, spec.slice(colon + 1));
}

/** [namespace, interface] pairs as capture sources, each once, in order; those the snapshot lacks are left out. */
export function sourcesOf(
  snapshot: Snapshot,
  pairs: readonly (readonly [NamespaceId, string | null])[],
): ResolvedSource[] {
  const seen = new Set<string>();
  const out: ResolvedSource[] = [];
  for (const [id, iface] of pairs) {
    if (iface === null || seen.has(`${id}\u0000${iface}`)) continue;
    seen.add(`${id}\u0000${iface}`);
    const ns = snapshot.namespaces.find((n) => n.id === id);
    const s = ns ? sourceIn(ns, iface) : null;
    if (s && typeof s !== 'string') out.push(s);
  }
  return out;
}

/** Every interface a traced packet comes in or goes out by, in path order, each once. */
export function pathSources(snapshot: Snapshot, path: readonly PathHop[]): ResolvedSource[] {
  return sourcesOf(
    snapshot,
    path.flatMap((hop) => [[hop.namespace, hop.inIface] as const, [hop.namespace, hop.outIface] as const]),
  );
}

/** A sidebar item, in the shape the tree and the topology's references share. */
export type ItemNode = TopologyRef['node'];

/**
 * The interfaces a sidebar item captures: an interface, a bridge, a bridge port, both ends of a veth pair; [] for a
 * namespace (the user picks among its interfaces); null for an item that is no interface.
 */
export function itemInterfaces(node: ItemNode): [NamespaceId, string][] | null {
  switch (node.kind) {
    case 'interface':
    case 'bridgePort':
      return [[node.ns, node.ifname]];
    case 'bridge':
      return [[node.ns, node.name]];
    case 'vethPair':
      return [
        [node.ns, node.ifname],
        [node.peerNs, node.peerIfname],
      ];
    case 'namespace':
      return [];
    default:
      return null;
  }
}

/**
 * The interface a topology element stands for, for its Capture Traffic… menu: the first its item captures (a veth
 * pair's first end); a namespace with `iface` '' (the user picks).
 */
export function captureTargetOf(ref: TopologyRef | null): { ns: string; iface: string } | null {
  const pairs = ref ? itemInterfaces(ref.node) : null;
  if (!ref || pairs === null) return null;
  const [first] = pairs;
  return first ? { ns: first[0], iface: first[1] } : { ns: ref.node.ns, iface: '' };
}
