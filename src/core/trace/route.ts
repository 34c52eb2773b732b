// The routing decision inside one namespace, from its routes and local addresses (the kernel's local table).
import type { Family, Namespace, NetInterface } from '../model';
import { hostOf, inCidr, isLoopback, isV6, parseCidr, parseIp, sameIp } from '../net/address';

export type RouteChoice =
  | { kind: 'local'; dev: string }
  | { kind: 'via'; dev: string; gateway: string | null; nexthop: string; prefsrc: string | null; text: string }
  | { kind: 'none'; reason: string; text: string | null };

export function familyOf(ip: string): Family {
  return isV6(ip) ? 'ipv6' : 'ipv4';
}

/** The interface holding `ip`, loopback included (127.0.0.0/8 is local whenever lo is up). */
export function localInterface(ns: Namespace, ip: string): NetInterface | undefined {
  const lo = ns.interfaces.find((i) => i.kind === 'loopback');
  if (isLoopback(ip)) return lo && lo.state !== 'DOWN' ? lo : undefined;
  return ns.interfaces.find((i) => i.addresses.some((a) => sameIp(hostOf(a), ip)));
}

/** Every address of the namespace, in CIDR form, with loopback's (which `ip addr` shows only when lo is up). */
export function namespaceAddresses(ns: Namespace): string[] {
  return ns.interfaces.flatMap((i) => i.addresses);
}

/** The address a packet leaving `ifname` would take as its source (prefsrc aside): its first one in the family. */
export function interfaceAddress(ns: Namespace, ifname: string | null, family: Family): string | null {
  const iface = ns.interfaces.find((i) => i.name === ifname);
  const list = (iface?.addresses ?? []).map(hostOf).filter((a) => familyOf(a) === family && !a.startsWith('fe80'));
  return list[0] ?? null;
}

function routeText(r: Namespace['routes'][number]): string {
  return [
    r.type && r.type !== 'unicast' ? r.type : '',
    r.dst,
    r.gateway ? `via ${r.gateway}` : '',
    r.dev ? `dev ${r.dev}` : '',
    r.prefsrc ? `src ${r.prefsrc}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function routeLookup(ns: Namespace, dst: string): RouteChoice {
  const local = localInterface(ns, dst);
  if (local) return { kind: 'local', dev: local.name };
  const addr = parseIp(dst);
  if (addr === null) return { kind: 'none', reason: `${dst} is not an address`, text: null };
  let best: { prefix: number; metric: number; route: Namespace['routes'][number] } | null = null;
  for (const r of ns.routes) {
    if (r.family !== familyOf(dst)) continue;
    const cidr = parseCidr(r.dst, addr.v6);
    if (cidr === null || !inCidr(addr, cidr)) continue;
    const dev = ns.interfaces.find((i) => i.name === r.dev);
    if (dev?.state === 'DOWN') continue;
    const metric = r.metric ?? 0;
    if (best === null || cidr.prefix > best.prefix || (cidr.prefix === best.prefix && metric < best.metric)) {
      best = { prefix: cidr.prefix, metric, route: r };
    }
  }
  if (best === null) return { kind: 'none', reason: `no route to ${dst}`, text: null };
  const r = best.route;
  if (r.type && !['unicast', 'local'].includes(r.type)) {
    return { kind: 'none', reason: `route ${routeText(r)} (${r.type})`, text: routeText(r) };
  }
  if (r.dev === null) return { kind: 'none', reason: `route ${routeText(r)} names no device`, text: routeText(r) };
  return {
    kind: 'via',
    dev: r.dev,
    gateway: r.gateway,
    nexthop: r.gateway ?? dst,
    prefsrc: r.prefsrc,
    text: routeText(r),
  };
}
