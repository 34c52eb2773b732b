// Human labels for namespaces and port mappings, shared by the CLI, the tree and the webview.
import type { Namespace, NamespaceId, PortMapping, PortSpec } from './model';
import { endpoint } from './net/address';

/** The namespace's name; for the host "host"; for an unnamed one, its first process. */
export function namespaceLabel(ns: Pick<Namespace, 'kind' | 'name' | 'processes' | 'id' | 'containerNames'>): string {
  if (ns.kind === 'host') return 'host';
  // Names first: the containers a runtime runs here (`redis`), before a sandbox id or an ip netns name.
  if (ns.containerNames?.length) return ns.containerNames.join(', ');
  if (ns.name !== null) return ns.name;
  const first = ns.processes[0];
  return first ? `${first.command} (pid ${first.pid})` : labelOrId(undefined, ns.id);
}

/** The label of a namespace known by id, which may be gone from the snapshot: its label, else `netns ID`. */
export function labelOrId(
  ns: Pick<Namespace, 'kind' | 'name' | 'processes' | 'id' | 'containerNames'> | undefined,
  id: NamespaceId,
): string {
  return ns ? namespaceLabel(ns) : `netns ${id}`;
}

export function portText(port: PortSpec): string {
  return port === null ? '*' : String(port);
}

/** `0.0.0.0:6379/tcp → 172.17.0.2:6379`, as `docker port` prints it. */
export function mappingText(m: PortMapping): string {
  return `${endpoint(m.hostIp, portText(m.hostPort))}/${m.protocol} → ${endpoint(m.targetIp, portText(m.targetPort))}`;
}

/** A mapping's identity: the same published port from the same rule keeps the same key across refreshes. */
export function mappingKey(m: PortMapping): string {
  return `${m.family}/${m.protocol}/${m.hostIp}/${portText(m.hostPort)}/${m.targetIp}/${portText(m.targetPort)}/${m.ruleRef.table}/${m.ruleRef.chain}/${m.ruleRef.index}`;
}
