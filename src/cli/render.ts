// Renders a Snapshot as readable text: namespaces, bridges like `brctl show`, ports like `docker port`.
import { namespaceLabel } from '../core/labels';
import type { Namespace, Snapshot } from '../core/model';
import { containersByNamespace, networkOfBridge, type RuntimeContainer } from '../core/runtime';
import { embeddedDns } from '../core/portMappings';
import { portRows, portRowText } from '../core/portRows';
import { hostPortMappings, serviceText, servicesOf } from '../core/services';
import { backendsOf, backendsText } from '../core/rules/backends';
import { isIptablesSet } from '../core/rules/iptables';

/** Names are untrusted: control characters would drive the terminal, so they are shown escaped. */
export function safeText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderSnapshot(s: Snapshot): string {
  const byId = new Map(s.namespaces.map((n) => [n.id, n]));
  const label = (id: string | null): string => {
    const ns = id === null ? undefined : byId.get(id);
    return ns ? safeText(namespaceLabel(ns)) : '?';
  };
  const lines: string[] = [];
  // One line per runtime asked: which answered, and why one did not (the kernel view below is complete either way).
  if (s.runtime?.runtimes.length) {
    lines.push('RUNTIMES');
    for (const r of s.runtime.runtimes)
      lines.push(
        `  ${r.runtime} ${safeText(r.endpoint)}: ${r.status}${r.version ? ` (${safeText(r.version)})` : ''}: ${safeText(r.message)}`,
      );
    lines.push('');
  }
  const containers = containersByNamespace(s);
  lines.push('NAMESPACES');
  for (const ns of s.namespaces) {
    const text = (c: RuntimeContainer) =>
      `${c.runtime} ${safeText(c.name)} ${c.id.slice(0, 12)}${c.image ? ` ${safeText(c.image)}` : ''}`;
    const all = containers.get(ns.id) ?? [];
    const own = all.filter((c) => c.networkMode !== 'host').map(text);
    const hostMode = all.filter((c) => c.networkMode === 'host').map(text);
    const sandbox = ns.containerNames?.length && ns.name ? `  sandbox ${safeText(ns.name)}` : '';
    lines.push(`  ${label(ns.id)}  [${ns.kind}, mode ${ns.mode}]  id ${ns.id}${sandbox}${pidsText(ns)}`);
    if (own.length) lines.push(`    container${own.length === 1 ? '' : 's'}: ${own.join('; ')}`);
    if (hostMode.length) lines.push(`    host-mode containers here: ${hostMode.join('; ')}`);
    // Docker's resolver redirect is the container's own DNS, not a published port.
    const resolver = s.nat
      .filter(isIptablesSet)
      .filter((set) => set.namespace === ns.id)
      .flatMap((set) => {
        const nat = set.tables.find((t) => t.name === 'nat');
        return nat ? embeddedDns(nat) : [];
      });
    if (resolver.length) lines.push(`    embedded DNS resolver: ${resolver.map(safeText).join(', ')}`);
    const backends = backendsOf(s.nat, ns.id);
    if (backends.length) lines.push(`    firewall rules in: ${safeText(backendsText(backends))}`);
    for (const i of ns.interfaces) {
      const peer = i.peer ? `  ⇄ ${safeText(i.peer.ifname)} in ${label(i.peer.namespace)}` : '';
      const master = i.master ? `  master ${safeText(i.master)}` : '';
      const addrs = i.addresses.length ? `  ${i.addresses.join(' ')}` : '';
      lines.push(`    ${safeText(i.name)} (${i.kind}, ${i.state})${addrs}${master}${peer}`);
    }
  }
  lines.push('', 'BRIDGES');
  lines.push('  bridge name\tnamespace\taddresses\tinterfaces');
  for (const b of s.bridges) {
    const network = networkOfBridge(s, b.namespace, b.name);
    const name = network ? `${safeText(network.name)} (${safeText(b.name)})` : safeText(b.name);
    lines.push(
      `  ${name}\t${label(b.namespace)}\t${b.addresses.join(' ') || '-'}\t${b.ports.map(safeText).join(', ') || '-'}`,
    );
  }
  lines.push('', 'VETH PAIRS');
  for (const p of s.vethPairs) {
    lines.push(
      `  ${safeText(p.a.ifname)} (${label(p.a.namespace)}) ⇄ ${safeText(p.b.ifname)} (${label(p.b.namespace)})`,
    );
  }
  lines.push('', 'PUBLISHED PORTS');
  // One row per container and binding, as `docker ps` shows them: families merged, ranges collapsed.
  for (const r of portRows(hostPortMappings(s.portMappings))) {
    const target = r.targetNamespace ? ` (${label(r.targetNamespace)})` : ' (target not found)';
    const tools = [
      ...new Set(r.mappings.map((m) => (m.source === 'nft' ? 'nft' : m.family === 'ipv6' ? 'ip6tables' : 'iptables'))),
    ].join('+');
    const where = `${label(r.namespace)} ${tools} ${r.mappings[0]!.chainPath.join(' → ')}`;
    const count = r.mappings.length > 1 ? `, ${r.mappings.length} rules` : '';
    lines.push(`  ${portRowText(r)}${target}  [${where}, ${r.owner}${count}]`);
  }
  const services = servicesOf(s);
  if (services.length) {
    // Kubernetes Services: ClusterIPs, NodePorts, external and load-balancer addresses, each with its endpoints.
    lines.push('', `SERVICES (${services.length})`);
    for (const v of services) lines.push(`  ${serviceText(v, label, safeText)}`);
  }
  if (s.errors.length || s.discovery.unreadable) {
    lines.push('', 'ERRORS');
    if (s.discovery.unreadable)
      lines.push(
        `  ${s.discovery.unreadable} namespace entries could not be read (permission denied or gone) and were skipped`,
      );
    for (const e of s.errors)
      lines.push(`  ${label(e.namespace)}: ${safeText(e.command)}: ${e.reason}: ${safeText(e.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

function pidsText(ns: Namespace): string {
  if (ns.processes.length === 0) return '';
  const shown = ns.processes
    .slice(0, 6)
    .map((p) => `${p.pid} ${safeText(p.command)}`)
    .join(', ');
  return `  pids ${shown}${ns.processes.length > 6 ? `, +${ns.processes.length - 6} more` : ''}`;
}
