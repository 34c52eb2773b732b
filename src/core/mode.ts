// Classifies each namespace in Docker's terms: bridge, host, container, none, or other.
import type { NamespaceKind, NetInterface, NetworkMode, ProcessInfo } from './model';

export interface ModeInput {
  kind: NamespaceKind;
  interfaces: NetInterface[];
  processes: ProcessInfo[];
}

/**
 * host: the host namespace itself (containers run with --net=host share it);
 * container: processes from two or more PID namespaces share it (--net=container:X, a pod);
 * bridge: a veth whose peer is a port of a bridge;
 * none: nothing but loopback.
 * `isBridgePort` answers for the peer, which lives in another namespace.
 */
export function classifyMode(ns: ModeInput, isBridgePort: (iface: NetInterface) => boolean): NetworkMode {
  if (ns.kind === 'host') return 'host';
  const pidNamespaces = new Set(ns.processes.map((p) => p.pidNamespace).filter((p): p is string => p !== null));
  if (pidNamespaces.size >= 2) return 'container';
  if (ns.interfaces.some((i) => i.kind === 'veth' && isBridgePort(i))) return 'bridge';
  if (ns.interfaces.length > 0 && ns.interfaces.every((i) => i.kind === 'loopback')) return 'none';
  return 'other';
}
