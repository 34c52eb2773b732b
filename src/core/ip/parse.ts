// Turns `ip -j -d -batch -` output (links, addresses, routes, nsids) into interfaces and routes.
import type { InterfaceKind, NetInterface, Route } from '../model';

/** The commands fed to one `ip -j -d -batch -` spawn, in the order their arrays come back. */
export const IP_BATCH_COMMANDS = ['link show', 'addr show', 'route show table all', 'netns list-id'] as const;

export interface IpBatch {
  links: unknown[];
  addresses: unknown[];
  routes: unknown[];
  nsids: unknown[];
}

export type IpParseResult =
  | { ok: true; batch: IpBatch; /** Arrays that never arrived (ip stopped early). */ missing: string[] }
  | { ok: false; message: string };

/**
 * `ip -batch` prints one JSON array per command with nothing between them. Splits them by
 * tracking bracket depth outside strings, so no assumption about newlines is needed.
 */
export function splitJsonArrays(text: string): { arrays: unknown[][]; error: string | null } {
  const arrays: unknown[][] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (depth === 0) {
        if (c !== 91) return { arrays, error: `unexpected '{' outside an array at line ${line}` };
        start = i;
      }
      depth++;
    } else if (c === 93 || c === 125) {
      depth--;
      if (depth < 0) return { arrays, error: `unbalanced '${String.fromCharCode(c)}' at line ${line}` };
      if (depth === 0) {
        try {
          arrays.push(JSON.parse(text.slice(start, i + 1)) as unknown[]);
        } catch (e) {
          return { arrays, error: `invalid JSON ending at line ${line}: ${(e as Error).message}` };
        }
      }
    } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) {
      return { arrays, error: `unexpected text outside JSON at line ${line}` };
    }
  }
  if (depth !== 0 || inString) return { arrays, error: `output ends inside a JSON value at line ${line} (truncated)` };
  return { arrays, error: null };
}

export function parseIpBatch(text: string): IpParseResult {
  const { arrays, error } = splitJsonArrays(text);
  if (error !== null) return { ok: false, message: error };
  if (arrays.length === 0) return { ok: false, message: 'ip printed no JSON' };
  for (const a of arrays) if (!Array.isArray(a)) return { ok: false, message: 'ip printed JSON that is not an array' };
  const [links = [], addresses = [], routes = [], nsids = []] = arrays;
  const missing = IP_BATCH_COMMANDS.slice(arrays.length).map((c) => c);
  return { ok: true, batch: { links, addresses, routes, nsids }, missing };
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const KIND_BY_INFO_KIND: Record<string, InterfaceKind> = {
  veth: 'veth',
  bridge: 'bridge',
  vlan: 'vlan',
  vxlan: 'vxlan',
  macvlan: 'macvlan',
  macvtap: 'macvlan',
  ipvlan: 'ipvlan',
  ipvtap: 'ipvlan',
  tun: 'tun',
  dummy: 'dummy',
};

export function interfaceKind(link: Json): { kind: InterfaceKind; infoKind: string | null } {
  const linkinfo = isObject(link.linkinfo) ? link.linkinfo : null;
  const infoKind = linkinfo ? str(linkinfo.info_kind) : null;
  if (link.link_type === 'loopback') return { kind: 'loopback', infoKind };
  // Own keys only: an info_kind such as `__proto__` or `constructor` must not pick up Object's members.
  if (infoKind !== null)
    return { kind: Object.hasOwn(KIND_BY_INFO_KIND, infoKind) ? KIND_BY_INFO_KIND[infoKind]! : 'other', infoKind };
  // A device with no linkinfo but a parent bus is real hardware (virtio, pci).
  if (link.link_type === 'ether' && (str(link.parentbus) !== null || str(link.parentdev) !== null))
    return { kind: 'physical', infoKind };
  if (link.link_type === 'ether') return { kind: 'physical', infoKind };
  return { kind: 'other', infoKind };
}

function addressesByIfindex(addresses: unknown[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const entry of addresses) {
    if (!isObject(entry)) continue;
    const ifindex = num(entry.ifindex);
    if (ifindex === null || !Array.isArray(entry.addr_info)) continue;
    const v4: string[] = [];
    const v6: string[] = [];
    for (const a of entry.addr_info) {
      if (!isObject(a)) continue;
      const local = str(a.local);
      const prefixlen = num(a.prefixlen);
      if (local === null || prefixlen === null) continue;
      (a.family === 'inet6' ? v6 : v4).push(`${local}/${prefixlen}`);
    }
    out.set(ifindex, [...v4, ...v6]);
  }
  return out;
}

/** Builds the interfaces of one namespace; a link entry without ifindex or name is skipped. */
export function buildInterfaces(batch: IpBatch): NetInterface[] {
  const addrs = addressesByIfindex(batch.addresses);
  const out: NetInterface[] = [];
  for (const link of batch.links) {
    if (!isObject(link)) continue;
    const ifindex = num(link.ifindex);
    const name = str(link.ifname);
    if (ifindex === null || name === null) continue;
    const { kind, infoKind } = interfaceKind(link);
    const linkinfo = isObject(link.linkinfo) ? link.linkinfo : null;
    const slave = linkinfo && linkinfo.info_slave_kind === 'bridge' && isObject(linkinfo.info_slave_data);
    const hairpin = slave && isObject(linkinfo.info_slave_data) ? linkinfo.info_slave_data.hairpin : undefined;
    out.push({
      name,
      ifindex,
      kind,
      infoKind,
      state: str(link.operstate) ?? 'UNKNOWN',
      flags: Array.isArray(link.flags) ? link.flags.filter((f): f is string => typeof f === 'string') : [],
      mac: str(link.address),
      mtu: num(link.mtu) ?? 0,
      addresses: addrs.get(ifindex) ?? [],
      master: str(link.master),
      peer: null,
      linkIndex: num(link.link_index),
      linkNetnsId: num(link.link_netnsid),
      ...(typeof hairpin === 'boolean' ? { hairpin } : {}),
    });
  }
  return out;
}

/** Routes from the main and policy tables; the kernel's local table is noise for a reader. */
export function buildRoutes(batch: IpBatch): Route[] {
  const out: Route[] = [];
  for (const r of batch.routes) {
    if (!isObject(r)) continue;
    const table = str(r.table);
    if (table === 'local') continue;
    const dst = str(r.dst);
    if (dst === null) continue;
    const type = str(r.type);
    if (type === 'multicast' || type === 'broadcast') continue;
    const gateway = str(r.gateway);
    const family = dst.includes(':') || (gateway?.includes(':') ?? false) || r.pref !== undefined ? 'ipv6' : 'ipv4';
    out.push({
      family,
      dst,
      gateway,
      dev: str(r.dev),
      protocol: str(r.protocol),
      scope: str(r.scope),
      prefsrc: str(r.prefsrc),
      metric: num(r.metric),
      type,
      ...(table !== null && table !== 'main' ? { table } : {}),
    });
  }
  return out;
}

/** `netns list-id` entries: nsid -> name, for the named namespaces this one can see. */
export function buildNsidNames(batch: IpBatch): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of batch.nsids) {
    if (!isObject(e)) continue;
    const nsid = num(e.nsid);
    const name = str(e.name);
    if (nsid !== null && name !== null) out.set(nsid, name);
  }
  return out;
}

/** One `ip rule`: selectors, then an action (look up a table, or blackhole/unreachable/prohibit, or goto). */
export interface PolicyRule {
  family: 'ipv4' | 'ipv6';
  priority: number;
  /** `not`: the selectors are negated together. */
  not: boolean;
  /** CIDR, or null for `all`. */
  from: string | null;
  to: string | null;
  iif: string | null;
  oif: string | null;
  fwmark: { value: number; mask: number } | null;
  ipproto: string | null;
  sport: string | null;
  dport: string | null;
  /** Selectors the trace cannot evaluate (uidrange, l3mdev, tun_id...), named. */
  unknown: string[];
  action: 'lookup' | 'blackhole' | 'unreachable' | 'prohibit' | 'goto' | 'nop';
  table: string | null;
  goto: number | null;
  /** Ignore a lookup result whose prefix is this long or shorter (wg-quick's `suppress_prefixlength 0`). */
  suppressPrefixLength: number | null;
}

/** How `ip rule` spells the selectors the trace cannot evaluate. */
const UNKNOWN_NAMES: Record<string, string> = { uid_start: 'uidrange', uid_end: 'uidrange', l3mdev: 'l3mdev' };

const KNOWN_RULE_KEYS = new Set([
  'sport_start',
  'sport_end',
  'dport_start',
  'dport_end',
  'priority',
  'not',
  'src',
  'srclen',
  'dst',
  'dstlen',
  'iif',
  'oif',
  'fwmark',
  'fwmask',
  'ipproto',
  'action',
  'table',
  'goto',
  'suppress_prefixlen',
  'flags',
  'protocol',
  'tos',
]);

function prefix(address: string | null, length: number | null): string | null {
  if (address === null || address === 'all') return null;
  return length === null ? address : `${address}/${length}`;
}

/** `ip -j rule show` output (one family). Unreadable entries are skipped. */
export function parsePolicyRules(text: string, family: 'ipv4' | 'ipv6'): PolicyRule[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(json)) return [];
  const out: PolicyRule[] = [];
  for (const r of json) {
    if (!isObject(r)) continue;
    const priority = num(r.priority);
    if (priority === null) continue;
    const action = str(r.action);
    const gotoTarget = num(r.goto);
    const mark = str(r.fwmark);
    // iproute2 prints port ranges as `dport_start`/`dport_end` (equal for one port).
    const port = (start: unknown, end: unknown) => {
      const a = num(start);
      return a === null ? null : `${a}-${num(end) ?? a}`;
    };
    out.push({
      family,
      priority,
      not: Object.hasOwn(r, 'not'),
      from: prefix(str(r.src), num(r.srclen)),
      to: prefix(str(r.dst), num(r.dstlen)),
      iif: str(r.iif),
      oif: str(r.oif),
      fwmark: mark === null ? null : { value: Number(mark), mask: Number(str(r.fwmask) ?? '0xffffffff') },
      ipproto: str(r.ipproto),
      sport: port(r.sport_start, r.sport_end),
      dport: port(r.dport_start, r.dport_end),
      unknown: [
        ...new Set(
          Object.keys(r)
            .filter((k) => !KNOWN_RULE_KEYS.has(k))
            .map((k) => (Object.hasOwn(UNKNOWN_NAMES, k) ? UNKNOWN_NAMES[k]! : k)),
        ),
      ],
      action:
        gotoTarget !== null
          ? 'goto'
          : action === 'blackhole' || action === 'unreachable' || action === 'prohibit' || action === 'nop'
            ? action
            : 'lookup',
      table: str(r.table),
      goto: gotoTarget,
      suppressPrefixLength: num(r.suppress_prefixlen),
    });
  }
  return out.sort((a, b) => a.priority - b.priority);
}

/** The addresses `ip -j addr show` lists (`addr_info[].local`), without prefixes; [] for output it cannot read. */
export function localAddressesOf(text: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(json)) return [];
  return json.flatMap((link) =>
    isObject(link) && Array.isArray(link.addr_info)
      ? link.addr_info.flatMap((a) => (isObject(a) && typeof a.local === 'string' ? [a.local] : []))
      : [],
  );
}
