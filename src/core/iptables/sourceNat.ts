// Whether iptables rules source-NAT traffic leaving through an interface: the topology's uplink label.
import type { SourceNat } from '../rules/types';
import { interfaceMatches } from '../net/iface';
import { findOption, jumpTargets } from './query';
import type { Table } from './types';

/** The source-NAT target of the first rule reached from nat POSTROUTING that applies to traffic leaving by `dev`. */
export function sourceNatOn(table: Table, dev: string): SourceNat | null {
  const jumps = jumpTargets(table);
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const queue = ['POSTROUTING'];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const rule of chains.get(name)?.rules ?? []) {
      const target = rule.target?.name;
      if (target !== 'MASQUERADE' && target !== 'SNAT') continue;
      const out = findOption(rule, '-o', null);
      const pattern = out?.args[0];
      if (out && pattern !== undefined && interfaceMatches(pattern, dev) === out.negated) continue;
      return target;
    }
    queue.push(...(jumps.get(name) ?? []));
  }
  return null;
}
