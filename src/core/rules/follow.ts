// Which namespaces' rules are followed by events (`nft monitor`, host/ruleEvents.ts) rather than read by the poll.
//
// One monitor process per namespace would be hundreds of processes on a host with hundreds of containers, and almost
// all of them would wait on namespaces holding no rule at all (a container, a pod). So: the host, and every namespace
// whose rules live in nf_tables (iptables-nft or native nft), the largest first, at most MAX_FOLLOWED. The rest (no
// rules, legacy xtables, beyond the cap) are read by the poll, whose reads are cheap there and are not parsed again
// when the text did not change. docs/PERFORMANCE.md gives the numbers.
import type { NamespaceId, Snapshot } from '../model';

export const MAX_FOLLOWED = 32;

export function namespacesToFollow(snapshot: Pick<Snapshot, 'namespaces' | 'nat'>): NamespaceId[] {
  const rules = new Map<NamespaceId, number>();
  for (const set of snapshot.nat) {
    const nfTables = set.source === 'nft' || ('backend' in set && set.backend === 'nf_tables');
    if (nfTables && set.ruleCount > 0) rules.set(set.namespace, (rules.get(set.namespace) ?? 0) + set.ruleCount);
  }
  const host = snapshot.namespaces.find((n) => n.kind === 'host')?.id;
  const holders = [...rules.entries()]
    .filter(([id]) => id !== host)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([id]) => id);
  return [...(host !== undefined ? [host] : []), ...holders].slice(0, MAX_FOLLOWED);
}
