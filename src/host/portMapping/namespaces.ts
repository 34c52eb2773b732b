// Finds the namespace a user named (`host`, an ip-netns name, a Docker sandbox key, or an inode id) among the
// discovered ones.
import type { DiscoveredNamespace, Discovery } from '../../core/model';

export function resolveNamespace(discovery: Discovery, ref: string): DiscoveredNamespace | string {
  if (ref === 'host') {
    const host = discovery.namespaces.find((n) => n.kind === 'host');
    return host ?? 'the host namespace was not found';
  }
  const byId = discovery.namespaces.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = discovery.namespaces.filter((n) => n.name === ref);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1)
    return `several namespaces are called ${JSON.stringify(ref)}: use the id (${byName.map((n) => n.id).join(', ')})`;
  return `no namespace called ${JSON.stringify(ref)} (give a name from \`ip netns\`, a Docker sandbox key, an id, or host)`;
}
