// Which firewall backends hold a namespace's rules: iptables on nf_tables, legacy iptables, native nftables. A host can
// use all three at once, and each runs at the same hooks.
import type { NamespaceId } from '../model';
import { isIptablesSet } from './iptables';
import type { RuleSet } from './types';

export type Backend = 'iptables-nft' | 'iptables-legacy' | 'nftables';

export interface BackendUse {
  backend: Backend;
  /** Tables it holds: `nat`, `filter` (IPv6's as `ip6 nat`), or nft's `inet firewalld`. */
  tables: string[];
  rules: number;
}

const ORDER: readonly Backend[] = ['iptables-nft', 'iptables-legacy', 'nftables'];

/** The backends holding at least one table in the namespace, in a fixed order. */
export function backendsOf(sets: readonly RuleSet[], namespace: NamespaceId): BackendUse[] {
  const uses = new Map<Backend, BackendUse>();
  for (const set of sets) {
    if (set.namespace !== namespace) continue;
    const backend: Backend = !isIptablesSet(set)
      ? 'nftables'
      : set.source.includes('legacy') || set.backend === 'legacy'
        ? 'iptables-legacy'
        : 'iptables-nft';
    const tables = isIptablesSet(set)
      ? set.tables.map((t) => (set.family === 'ipv6' ? `ip6 ${t.name}` : t.name))
      : set.ruleset.tables.filter((t) => !t.iptables).map((t) => t.key);
    if (tables.length === 0) continue;
    const use = uses.get(backend) ?? { backend, tables: [], rules: 0 };
    use.tables.push(...tables);
    use.rules += set.ruleCount;
    uses.set(backend, use);
  }
  return ORDER.flatMap((b) => uses.get(b) ?? []);
}

/** `iptables-nft (12 rules), nftables (3 rules)`: one line for a tooltip or the CLI. */
export function backendsText(uses: readonly BackendUse[]): string {
  return uses
    .map((u) => `${u.backend} (${u.rules} rule${u.rules === 1 ? '' : 's'} in ${u.tables.join(', ')})`)
    .join(', ');
}
