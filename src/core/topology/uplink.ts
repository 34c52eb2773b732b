// Where each namespace's default route leaves, and whether a MASQUERADE or SNAT rule rewrites traffic there.
import { jumpTargets, findOption } from '../iptables/query';
import type { Table } from '../iptables/types';
import { interfaceMatches } from '../net/iface';
import type { Namespace, NatRuleSet, NetInterface, Route } from '../model';

export type SourceNat = 'MASQUERADE' | 'SNAT';

export interface Uplink {
  iface: NetInterface;
  /** Index of the default route in the namespace's routes (the tree's route item). */
  routeIndex: number;
  route: Route;
  sourceNat: SourceNat | null;
}

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

/** The interface holding the namespace's default route (IPv4 first), with the source NAT applied there. */
export function findUplink(ns: Namespace, nat: readonly NatRuleSet[]): Uplink | null {
  const order = [...ns.routes.entries()].filter(
    ([, r]) => r.dst === 'default' && r.dev !== null && (r.type === null || r.type === 'unicast'),
  );
  order.sort(([, a], [, b]) => (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1));
  for (const [routeIndex, route] of order) {
    const iface = ns.interfaces.find((i) => i.name === route.dev);
    if (!iface) continue;
    let sourceNat: SourceNat | null = null;
    for (const set of nat) {
      if (set.namespace !== ns.id || set.family !== route.family) continue;
      const table = set.tables.find((t) => t.name === 'nat');
      sourceNat = table ? sourceNatOn(table, iface.name) : null;
      if (sourceNat) break;
    }
    return { iface, routeIndex, route, sourceNat };
  }
  return null;
}
