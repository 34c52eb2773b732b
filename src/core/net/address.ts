// Addresses and prefixes, both families: parsing, containment, loopback, formatting. The one home for these primitives.

/** An address as a number plus its family; IPv4-mapped forms are not used by the trace. */
export interface Ip {
  v6: boolean;
  value: bigint;
}

/**
 * Parsed addresses, by text: the trace and the reachability matrix compare the same few hundred addresses millions of
 * times. Bounded: emptied when full. Callers never mutate an Ip.
 */
const parsed = new Map<string, Ip | null>();
const PARSED_MAX = 65_536;

export function parseIp(text: string): Ip | null {
  const hit = parsed.get(text);
  if (hit !== undefined) return hit;
  if (parsed.size >= PARSED_MAX) parsed.clear();
  const ip = parseUncached(text);
  parsed.set(text, ip);
  return ip;
}

function parseUncached(text: string): Ip | null {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (t.includes(':')) return parseV6(t);
  const parts = t.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return { v6: false, value };
}

function parseV6(text: string): Ip | null {
  const zone = text.indexOf('%');
  const t = zone >= 0 ? text.slice(0, zone) : text;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const words = (s: string): string[] => (s === '' ? [] : s.split(':'));
  let head = words(halves[0] ?? '');
  let tail = halves.length === 2 ? words(halves[1] ?? '') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two words.
  const expand = (list: string[]): string[] | null => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes('.')) return list;
    const v4 = parseIp(last);
    if (v4 === null) return null;
    return [...list.slice(0, -1), (v4.value >> 16n).toString(16), (v4.value & 0xffffn).toString(16)];
  };
  const h = expand(head);
  const tl = expand(tail);
  if (h === null || tl === null) return null;
  head = h;
  tail = tl;
  const missing = 8 - head.length - tail.length;
  // `::` stands for at least one zero group: `1::2:3:4:5:6:7:8` is not an address.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const w of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
    value = (value << 16n) | BigInt(parseInt(w, 16));
  }
  return { v6: true, value };
}

export interface Cidr {
  ip: Ip;
  prefix: number;
}

const parsedCidrs = new Map<string, Cidr | null>();

/** `10.0.0.0/8`, `1.2.3.4` (a host), `fd00::/64`, `1.2.3.4/255.255.255.0`, `default`. Cached like parseIp. */
export function parseCidr(text: string, v6Default = false): Cidr | null {
  if (text === 'default') return { ip: { v6: v6Default, value: 0n }, prefix: 0 };
  const hit = parsedCidrs.get(text);
  if (hit !== undefined) return hit;
  if (parsedCidrs.size >= PARSED_MAX) parsedCidrs.clear();
  const cidr = parseCidrUncached(text);
  parsedCidrs.set(text, cidr);
  return cidr;
}

function parseCidrUncached(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const bits = ip.v6 ? 128 : 32;
  if (slash < 0) return { ip, prefix: bits };
  const rest = text.slice(slash + 1);
  if (/^\d+$/.test(rest)) return Number(rest) <= bits ? { ip, prefix: Number(rest) } : null;
  const mask = parseIp(rest);
  if (mask === null || mask.v6 !== ip.v6) return null;
  let prefix = 0;
  for (let b = bits - 1; b >= 0 && ((mask.value >> BigInt(b)) & 1n) === 1n; b--) prefix++;
  return { ip, prefix };
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.v6 !== cidr.ip.v6) return false;
  const bits = ip.v6 ? 128 : 32;
  const shift = BigInt(bits - cidr.prefix);
  return ip.value >> shift === cidr.ip.value >> shift;
}

export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && x.v6 === y.v6 && x.value === y.value;
}

export function isV6(text: string): boolean {
  return text.includes(':');
}

export function isLoopback(text: string): boolean {
  const ip = parseIp(text);
  if (ip === null) return false;
  return ip.v6 ? ip.value === 1n : ip.value >> 24n === 127n;
}

/** `1.2.3.4:80` or `[fd00::2]:80`. */
export function endpoint(ip: string, port: number | string | null): string {
  const host = isV6(ip) ? `[${ip}]` : ip;
  return port === null ? host : `${host}:${port}`;
}

/** The host part of a CIDR string. */
export function hostOf(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/** Adds `n` to an address (DNAT ranges), keeping the family. */
export function addToIp(ip: Ip, n: bigint): string {
  return formatIp({ v6: ip.v6, value: ip.value + n });
}

export function formatIp(ip: Ip): string {
  if (!ip.v6) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join('.');
  const words: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) words.push(((ip.value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero words, as inet_ntop does.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

/** Whether `ip` lies in the prefix `spec` (`10.0.0.0/8`, `1.2.3.4`), or in any of a comma list of them. */
export function inPrefixes(ip: string | null | undefined, spec: string): boolean {
  const addr = ip ? parseIp(ip) : null;
  if (addr === null) return false;
  return spec.split(',').some((one) => {
    const cidr = parseCidr(one);
    return cidr !== null && inCidr(addr, cidr);
  });
}

/**
 * Whether packets to a DNAT binding's `hostIp` can be local to a namespace holding `addresses` (plain or CIDR): every
 * address, loopback, or one of its own. Anything else is a service address (a Kubernetes ClusterIP).
 */
export function bindsLocally(hostIp: string, addresses: readonly string[]): boolean {
  if (hostIp === '0.0.0.0' || hostIp === '::' || isLoopback(hostIp)) return true;
  return addresses.some((a) => sameIp(hostOf(a), hostIp));
}

/** The prefix an interface address lies in: `172.17.0.1/16` → `172.17.0.0/16`; the text itself when unparsable. */
export function prefixOf(cidr: string): string {
  const c = parseCidr(cidr);
  if (c === null || !cidr.includes('/')) return cidr;
  const bits = c.ip.v6 ? 128 : 32;
  const host = (1n << BigInt(bits - c.prefix)) - 1n;
  return `${formatIp({ v6: c.ip.v6, value: c.ip.value & ~host })}/${c.prefix}`;
}
