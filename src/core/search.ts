// One search for every view and the topology: a namespace matches by its label, its processes, its interfaces'
// names and addresses, and the ports published to or from it; a port mapping by its addresses, ports, protocol,
// owner and the namespaces at both ends.
import { namespaceLabel } from './labels';
import type { Namespace, PortMapping, Snapshot } from './model';

/** The search as typed, ready to compare: trimmed and lower case; empty matches everything. */
export function needleOf(search: string): string {
  return search.trim().toLowerCase();
}

function has(text: string | number | null | undefined, needle: string): boolean {
  return text !== null && text !== undefined && String(text).toLowerCase().includes(needle);
}

export function mappingMatches(m: PortMapping, needle: string, label: (nsId: string) => string): boolean {
  if (!needle) return true;
  return [
    m.hostIp,
    m.hostPort,
    m.targetIp,
    m.targetPort,
    m.protocol,
    m.owner,
    m.comment,
    `${m.hostPort}/${m.protocol}`,
    label(m.namespace),
    m.targetNamespace ? label(m.targetNamespace) : null,
  ].some((t) => has(t, needle));
}

export function namespaceMatches(ns: Namespace, needle: string, snapshot?: Pick<Snapshot, 'portMappings'>): boolean {
  if (!needle) return true;
  if (has(namespaceLabel(ns), needle) || has(ns.id, needle)) return true;
  if (ns.processes.some((p) => has(p.command, needle))) return true;
  if (ns.interfaces.some((i) => has(i.name, needle) || i.addresses.some((a) => has(a, needle)))) return true;
  // A port it publishes, or one published to it.
  return (snapshot?.portMappings ?? []).some(
    (m) =>
      (m.namespace === ns.id || m.targetNamespace === ns.id) &&
      (has(m.hostPort, needle) || has(m.targetPort, needle) || has(`${m.hostPort}/${m.protocol}`, needle)),
  );
}
