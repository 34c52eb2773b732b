// The routing decision inside one namespace: its `ip rule` list, its routing tables and local addresses.
import type { PolicyRule } from '../ip/parse';
import type { Family, Namespace, NetInterface } from '../model';
import { hostOf, inCidr, inPrefixes, isLoopback, isV6, parseCidr, parseIp, type Ip } from '../net/address';
import { portInSpec } from '../net/ports';

export type RouteChoice = (
  | { kind: 'local'; dev: string }
  | { kind: 'via'; dev: string; gateway: string | null; nexthop: string; prefsrc: string | null; text: string }
  | { kind: 'none'; reason: string; text: string | null }
) & {
  /** Policy rules skipped because a selector could not be evaluated: the choice rests on that. */
  uncertain?: string;
};

export function familyOf(ip: string): Family {
  return isV6(ip) ? 'ipv6' : 'ipv4';
}

const keys = new WeakMap<Ip, string>();

/** An address's identity as a map key (parsed addresses are shared, so the key is made once per address). */
export function ipKey(ip: Ip): string {
  let key = keys.get(ip);
  if (key === undefined) {
    key = `${ip.v6 ? 6 : 4}/${ip.value}`;
    keys.set(ip, key);
  }
  return key;
}

/**
 * Each namespace's addresses by value, built once per namespace object: a trace asks "who owns this address" of every
 * port of a bridge, and the matrix asks it for every cell. A snapshot is never changed once built, so caching by the
 * object is safe.
 */
const owners = new WeakMap<Namespace, Map<string, NetInterface>>();

function ownersOf(ns: Namespace): Map<string, NetInterface> {
  let map = owners.get(ns);
  if (!map) {
    map = new Map();
    for (const i of ns.interfaces)
      for (const a of i.addresses) {
        const ip = parseIp(hostOf(a));
        // The first interface holding an address answers for it, as a search in interface order would.
        if (ip && !map.has(ipKey(ip))) map.set(ipKey(ip), i);
      }
    owners.set(ns, map);
  }
  return map;
}

/** The interface holding `ip`, loopback included (127.0.0.0/8 is local whenever lo is up). */
export function localInterface(ns: Namespace, ip: string): NetInterface | undefined {
  if (isLoopback(ip)) {
    const lo = ns.interfaces.find((i) => i.kind === 'loopback');
    return lo && lo.state !== 'DOWN' ? lo : undefined;
  }
  const parsed = parseIp(ip);
  return parsed ? ownersOf(ns).get(ipKey(parsed)) : undefined;
}

const allAddresses = new WeakMap<Namespace, readonly string[]>();

/** Every address of the namespace, in CIDR form, with loopback's (which `ip addr` shows only when lo is up). */
export function namespaceAddresses(ns: Namespace): readonly string[] {
  let list = allAddresses.get(ns);
  if (!list) {
    list = ns.interfaces.flatMap((i) => i.addresses);
    allAddresses.set(ns, list);
  }
  return list;
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

/** What a routing lookup knows about the packet beyond its destination: what `ip rule` selectors look at. */
export interface Flow {
  /** The source address; empty or null before a locally generated packet has one. */
  src?: string | null;
  /** The incoming device; `lo` for a locally generated packet. */
  iif?: string | null;
  mark?: number;
  protocol?: string;
  sport?: number;
  dport?: number;
  /** The namespace's `ip rule` list (both families); null when it could not be read: the default rules apply. */
  rules?: readonly PolicyRule[] | null;
}

const DEFAULT_RULES: Record<Family, PolicyRule[]> = {
  ipv4: [0, 32766, 32767].map((priority, i) => defaultRule('ipv4', priority, ['local', 'main', 'default'][i]!)),
  ipv6: [0, 32766].map((priority, i) => defaultRule('ipv6', priority, ['local', 'main'][i]!)),
};

function defaultRule(family: Family, priority: number, table: string): PolicyRule {
  return {
    family,
    priority,
    not: false,
    from: null,
    to: null,
    iif: null,
    oif: null,
    fwmark: null,
    ipproto: null,
    sport: null,
    dport: null,
    unknown: [],
    action: 'lookup',
    table,
    goto: null,
    suppressPrefixLength: null,
  };
}

const isDefaultRule = (r: PolicyRule): boolean =>
  !r.not &&
  r.from === null &&
  r.to === null &&
  r.iif === null &&
  r.oif === null &&
  r.fwmark === null &&
  r.action === 'lookup' &&
  ((r.priority === 0 && r.table === 'local') ||
    (r.priority === 32766 && r.table === 'main') ||
    (r.priority === 32767 && r.table === 'default'));

/** Whether the rule's selectors match; null when one cannot be evaluated (the rule is then skipped, uncertainly). */
function ruleMatches(r: PolicyRule, dst: string, flow: Flow): boolean | null {
  if (r.unknown.length > 0) return null;
  const all = [
    r.from === null || inPrefixes(flow.src, r.from),
    r.to === null || inPrefixes(dst, r.to),
    r.iif === null || r.iif === flow.iif,
    // A lookup without a bound output device never matches an `oif` selector.
    r.oif === null,
    r.fwmark === null || ((flow.mark ?? 0) & r.fwmark.mask) === r.fwmark.value,
    r.ipproto === null || r.ipproto === flow.protocol || r.ipproto === `ipproto-${flow.protocol}`,
    r.sport === null || (flow.sport !== undefined && portInSpec(r.sport.replace('-', ':'), flow.sport)),
    r.dport === null || (flow.dport !== undefined && portInSpec(r.dport.replace('-', ':'), flow.dport)),
  ].every(Boolean);
  return r.not ? !all : all;
}

function ruleText(r: PolicyRule): string {
  const parts = [
    r.not ? 'not' : '',
    r.from ? `from ${r.from}` : 'from all',
    r.to ? `to ${r.to}` : '',
    r.iif ? `iif ${r.iif}` : '',
    r.oif ? `oif ${r.oif}` : '',
    r.fwmark ? `fwmark 0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}` : '',
    r.ipproto ? `ipproto ${r.ipproto}` : '',
    r.sport ? `sport ${r.sport}` : '',
    r.dport ? `dport ${r.dport}` : '',
    r.action === 'lookup' ? `lookup ${r.table}` : r.action === 'goto' ? `goto ${r.goto}` : r.action,
  ];
  return `rule ${r.priority}: ${parts.filter(Boolean).join(' ')}`;
}

type TableResult = { prefix: number; route: Namespace['routes'][number] } | null;

/** Longest prefix, then lowest metric, among the table's routes (`main` holds the routes with no table). */
function lookupTable(ns: Namespace, dst: string, table: string): TableResult {
  const addr = parseIp(dst);
  if (addr === null) return null;
  let best: { prefix: number; metric: number; route: Namespace['routes'][number] } | null = null;
  for (const r of ns.routes) {
    if (r.family !== familyOf(dst) || (r.table ?? 'main') !== table) continue;
    const cidr = parseCidr(r.dst, addr.v6);
    if (cidr === null || !inCidr(addr, cidr)) continue;
    const dev = ns.interfaces.find((i) => i.name === r.dev);
    if (dev?.state === 'DOWN') continue;
    const metric = r.metric ?? 0;
    if (best === null || cidr.prefix > best.prefix || (cidr.prefix === best.prefix && metric < best.metric)) {
      best = { prefix: cidr.prefix, metric, route: r };
    }
  }
  return best;
}

function choiceOf(r: Namespace['routes'][number], dst: string, rule: PolicyRule | null): RouteChoice {
  const table = r.table !== undefined ? `table ${r.table}: ` : '';
  const via = rule !== null && !isDefaultRule(rule) ? ` (${ruleText(rule)})` : '';
  const text = `${table}${routeText(r)}${via}`;
  if (r.type && !['unicast', 'local'].includes(r.type)) {
    return { kind: 'none', reason: `route ${text} (${r.type})`, text };
  }
  if (r.dev === null) return { kind: 'none', reason: `route ${text} names no device`, text };
  return { kind: 'via', dev: r.dev, gateway: r.gateway, nexthop: r.gateway ?? dst, prefsrc: r.prefsrc, text };
}

/**
 * The routing decision: `ip rule` in priority order (the default local, main, default when the rules could not be
 * read), each rule's table by longest prefix then metric; blackhole, unreachable and prohibit (as routes or as rule
 * actions) stop the packet.
 */
export function routeLookup(ns: Namespace, dst: string, flow: Flow = {}): RouteChoice {
  const family = familyOf(dst);
  if (parseIp(dst) === null) return { kind: 'none', reason: `${dst} is not an address`, text: null };
  const rules = (flow.rules ?? DEFAULT_RULES[family]).filter((r) => r.family === family);
  const skipped: string[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const match = ruleMatches(rule, dst, flow);
    if (match === null)
      skipped.push(`${ruleText(rule)} (${rule.unknown.join(', ')} not evaluated; assumed not to match)`);
    if (match !== true || rule.action === 'nop') continue;
    if (rule.action === 'goto') {
      const next = rules.findIndex((r) => r.priority >= (rule.goto ?? Infinity));
      if (next < 0) break;
      i = next - 1;
      continue;
    }
    if (rule.action !== 'lookup') {
      return {
        kind: 'none',
        reason: `${ruleText(rule)}: the packet is refused (${rule.action})`,
        text: ruleText(rule),
        ...(skipped.length ? { uncertain: skipped.join('; ') } : {}),
      };
    }
    if (rule.table === 'local') {
      const local = localInterface(ns, dst);
      if (local) return { kind: 'local', dev: local.name };
      continue;
    }
    const found = lookupTable(ns, dst, rule.table ?? 'main');
    // No route here, a `throw` route, or a result the rule suppresses: the next rule is tried.
    if (found === null || found.route.type === 'throw') continue;
    if (rule.suppressPrefixLength !== null && found.prefix <= rule.suppressPrefixLength) continue;
    const choice = choiceOf(found.route, dst, rule);
    return skipped.length ? ({ ...choice, uncertain: skipped.join('; ') } as RouteChoice) : choice;
  }
  return {
    kind: 'none',
    reason: `no route to ${dst}`,
    text: null,
    ...(skipped.length ? { uncertain: skipped.join('; ') } : {}),
  };
}
