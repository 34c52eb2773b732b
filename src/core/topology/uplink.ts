// Where each namespace's default route leaves, and whether a MASQUERADE or SNAT rule rewrites traffic there.
import type { Namespace, NetInterface, Route } from '../model';
import { ruleSourceOf } from '../rules';
import type { RuleSet, SourceNat, SourceNatRule } from '../rules/types';

export type { SourceNat } from '../rules/types';

export interface Uplink {
  iface: NetInterface;
  /** Index of the default route in the namespace's routes (the tree's route item). */
  routeIndex: number;
  route: Route;
  sourceNat: SourceNat | null;
  /** The rule that source-NATs there, as iptables-save prints it. */
  sourceNatRule: string | null;
}

/** The interface holding the namespace's default route (IPv4 first), with the source NAT applied there. */
export function findUplink(ns: Namespace, nat: readonly RuleSet[]): Uplink | null {
  const order = [...ns.routes.entries()].filter(
    ([, r]) => r.dst === 'default' && r.dev !== null && (r.type === null || r.type === 'unicast'),
  );
  order.sort(([, a], [, b]) => (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1));
  for (const [routeIndex, route] of order) {
    const iface = ns.interfaces.find((i) => i.name === route.dev);
    if (!iface) continue;
    const own = ns.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => i.addresses);
    let found: SourceNatRule | null = null;
    for (const set of nat) {
      if (set.namespace !== ns.id || (set.family !== route.family && set.family !== 'all')) continue;
      found = ruleSourceOf(set).sourceNatOn(set, iface.name, own);
      if (found) break;
    }
    return { iface, routeIndex, route, sourceNat: found?.target ?? null, sourceNatRule: found?.rule ?? null };
  }
  return null;
}
