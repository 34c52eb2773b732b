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

/** Every interface a traced packet comes in or goes out by, in path order, each once. */
export function pathSources(snapshot: Snapshot, path: readonly PathHop[]): ResolvedSource[] {
  const seen = new Set<string>();
  const out: ResolvedSource[] = [];
  const add = (id: NamespaceId, iface: string | null) => {
    if (iface === null || seen.has(`${id}\u0000${iface}`)) return;
    seen.add(`${id}\u0000${iface}`);
    const ns = snapshot.namespaces.find((n) => n.id === id);
    const s = ns ? sourceIn(ns, iface) : null;
    if (s && typeof s !== 'string') out.push(s);
  };
  for (const hop of path) {
    add(hop.namespace, hop.inIface);
    add(hop.namespace, hop.outIface);
  }
  return out;
}

/**
 * The interface a topology element stands for, for its Capture Traffic… menu: an interface, a bridge (or its
 * network's box), a bridge port, a veth pair's first end; a namespace with `iface` '' (the user picks).
 */
export function captureTargetOf(ref: TopologyRef | null): { ns: string; iface: string } | null {
  if (!ref) return null;
  const n = ref.node;
  switch (n.kind) {
    case 'interface':
    case 'vethPair':
    case 'bridgePort':
      return { ns: n.ns, iface: n.ifname };
    case 'bridge':
      return { ns: n.ns, iface: n.name };
    case 'namespace':
      return { ns: n.ns, iface: '' };
    default:
      return null;
  }
}
