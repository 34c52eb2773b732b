// What an nft expression reads from a packet, and whether a value on a rule's right side holds it: the trace's
// evaluation of `match` statements and map lookups. What cannot be known from a snapshot is `unknown`, with why.
import type { Family } from '../model';
import { inCidr, isLoopback, parseCidr, parseIp, sameIp } from '../net/address';
import { nftInterfaceMatches } from '../net/iface';
import type { Connection, Packet } from '../trace/packet';
import { isObj, kindOf, num, printExpr, str } from './print';
import type { NftJson, NftSet } from './types';

/** A value read from the packet: typed so the right side compares as the kernel would. */
export type PacketValue =
  | { type: 'addr'; value: string }
  | { type: 'num'; value: number }
  | { type: 'iface'; value: string | null }
  | { type: 'word'; value: string }
  /** Flags (`ct status`): a right-side flag matches when it is among them. */
  | { type: 'flags'; value: string[] }
  | { type: 'concat'; value: PacketValue[] };

/** `absent`: the expression does not apply to this packet (`ip saddr` of an IPv6 packet): the rule does not match. */
export type Read = PacketValue | { type: 'absent'; why: string } | { type: 'unknown'; why: string };

/** What reading needs besides the packet. */
export interface ValueEnv {
  family: Family;
  /** The namespace's addresses (CIDR), for `fib daddr type local`. */
  addresses: readonly string[];
  connection: Connection | undefined;
  /** The table's named sets and maps, for `@name`. */
  sets: ReadonlyMap<string, NftSet>;
}

const PROTOCOLS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

const unknown = (why: string): Read => ({ type: 'unknown', why });
const absent = (why: string): Read => ({ type: 'absent', why });

function local(ip: string, addresses: readonly string[]): boolean {
  return isLoopback(ip) || addresses.some((a) => sameIp(ip, a.split('/')[0] ?? ''));
}

function payload(b: { [k: string]: NftJson }, p: Packet): Read {
  const proto = str(b.protocol);
  const field = str(b.field);
  if (proto === null || field === null) return unknown('raw payload offsets are not evaluated');
  if (proto === 'ip' || proto === 'ip6') {
    if ((proto === 'ip') !== (p.family === 'ipv4'))
      return absent(`an ${p.family === 'ipv4' ? 'IPv4' : 'IPv6'} packet has no ${proto} header`);
    if (field === 'saddr') return { type: 'addr', value: p.src };
    if (field === 'daddr') return { type: 'addr', value: p.dst };
    if (field === 'protocol' || field === 'nexthdr') return { type: 'num', value: PROTOCOLS[p.protocol] ?? 0 };
    return unknown(`${proto} ${field} is not evaluated`);
  }
  if (proto === 'tcp' || proto === 'udp' || proto === 'th') {
    if (proto !== 'th' && proto !== p.protocol) return absent(`the packet is ${p.protocol}, not ${proto}`);
    if (field === 'sport') return { type: 'num', value: p.sport };
    if (field === 'dport') return { type: 'num', value: p.dport };
    return unknown(`${proto} ${field} is not evaluated`);
  }
  if (['icmp', 'icmpv6', 'sctp', 'dccp', 'udplite', 'ah', 'esp', 'comp', 'gre'].includes(proto))
    return absent(`the packet is ${p.protocol}, not ${proto}`);
  return unknown(`${proto} ${field} is not evaluated`);
}

function meta(key: string, p: Packet): Read {
  switch (key) {
    case 'l4proto':
      return { type: 'num', value: PROTOCOLS[p.protocol] ?? 0 };
    case 'nfproto':
      return { type: 'word', value: p.family };
    case 'protocol':
      return { type: 'word', value: p.family === 'ipv4' ? 'ip' : 'ip6' };
    case 'iifname':
    case 'iif':
      return { type: 'iface', value: p.inIface };
    case 'oifname':
    case 'oif':
      return { type: 'iface', value: p.outIface };
    case 'mark':
      return { type: 'num', value: p.mark };
    case 'nftrace':
      return { type: 'num', value: 0 };
    default:
      return unknown(`meta ${key} is not known from a snapshot`);
  }
}

function ct(b: { [k: string]: NftJson }, p: Packet, env: ValueEnv): Read {
  const key = str(b.key) ?? '';
  const conn = env.connection;
  if (key === 'state')
    return { type: 'word', value: p.untracked ? 'untracked' : p.ctstate === 'NEW' ? 'new' : 'established' };
  // An untracked packet has no conntrack entry: its other fields do not exist, so no comparison holds.
  if (p.untracked) return absent('the packet is untracked: conntrack holds no entry');
  if (key === 'direction') return { type: 'word', value: p.ctstate === 'NEW' ? 'original' : 'reply' };
  if (key === 'status') {
    if (conn === undefined) return unknown('the connection is not known here');
    const flags: string[] = [];
    if (!sameIp(conn.reply.src, conn.original.dst) || conn.reply.sport !== conn.original.dport) flags.push('dnat');
    if (!sameIp(conn.reply.dst, conn.original.src) || conn.reply.dport !== conn.original.sport) flags.push('snat');
    if (p.ctstate !== 'NEW') flags.push('seen-reply', 'confirmed', 'assured');
    return { type: 'flags', value: flags };
  }
  const dir = str(b.dir);
  if (dir !== null && conn !== undefined) {
    const t = dir === 'reply' ? conn.reply : conn.original;
    if (key === 'saddr' || key === 'ip saddr' || key === 'ip6 saddr') return { type: 'addr', value: t.src };
    if (key === 'daddr' || key === 'ip daddr' || key === 'ip6 daddr') return { type: 'addr', value: t.dst };
    if (key === 'proto-src') return { type: 'num', value: t.sport };
    if (key === 'proto-dst') return { type: 'num', value: t.dport };
  }
  return unknown(`ct ${[dir, key].filter(Boolean).join(' ')} is not known from a snapshot`);
}

function fib(b: { [k: string]: NftJson }, p: Packet, env: ValueEnv): Read {
  const flags = Array.isArray(b.flags) ? b.flags : [b.flags ?? null];
  const result = str(b.result);
  if (result !== 'type' || flags.length !== 1) return unknown(`fib ${printExpr({ fib: b })} needs a route lookup`);
  const addr = flags[0] === 'daddr' ? p.dst : flags[0] === 'saddr' ? p.src : null;
  if (addr === null) return unknown('fib with these flags is not evaluated');
  return { type: 'word', value: local(addr, env.addresses) ? 'local' : 'unicast' };
}

/** What the expression on a match's left side reads from the packet. */
export function readValue(e: NftJson, p: Packet, env: ValueEnv): Read {
  const k = kindOf(e);
  if (k === null) return unknown(`${printExpr(e)} is not evaluated`);
  const [kind, body] = k;
  const b = isObj(body) ? body : {};
  switch (kind) {
    case 'payload':
      return payload(b, p);
    case 'meta':
      return meta(str(b.key) ?? '', p);
    case 'ct':
      return ct(b, p, env);
    case 'fib':
      return fib(b, p, env);
    case 'concat': {
      const parts = (Array.isArray(body) ? body : []).map((x) => readValue(x, p, env));
      const odd = parts.find((x) => x.type === 'absent' || x.type === 'unknown');
      return odd ?? { type: 'concat', value: parts as PacketValue[] };
    }
    case '&': {
      const [l, r] = Array.isArray(body) ? body : [];
      const left = readValue(l ?? null, p, env);
      const mask = numberOf(r ?? null);
      if (left.type !== 'num' || mask === null)
        return left.type === 'absent' ? left : unknown(`${printExpr(e)} is not evaluated`);
      return { type: 'num', value: Number(BigInt(left.value) & BigInt(mask)) };
    }
    default:
      return unknown(`${printExpr(e)} is not evaluated`);
  }
}

/** The number a value names (`0x4000`, `80`, `tcp`), null when it is not one. */
export function numberOf(v: NftJson): number | null {
  // Marks, ports and protocols are whole numbers; anything else compares as nothing.
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  if (typeof v === 'string' && v in PROTOCOLS) return PROTOCOLS[v] ?? null;
  return null;
}

function addrIn(ip: string, right: NftJson): boolean | null {
  if (typeof right === 'string') return parseIp(right) === null ? null : sameIp(ip, right);
  const k = kindOf(right);
  if (k?.[0] === 'prefix' && isObj(k[1])) {
    const cidr = parseCidr(`${str(k[1].addr) ?? ''}/${num(k[1].len) ?? ''}`);
    const at = parseIp(ip);
    return cidr === null || at === null ? null : cidr.ip.v6 === at.v6 && inCidr(at, cidr);
  }
  if (k?.[0] === 'range' && Array.isArray(k[1])) {
    const [lo, hi] = k[1].map((x) => parseIp(str(x) ?? ''));
    const at = parseIp(ip);
    if (!lo || !hi || !at || lo.v6 !== at.v6) return null;
    return at.value >= lo.value && at.value <= hi.value;
  }
  return null;
}

/**
 * Whether the packet's value is one the right side names: a value, prefix, range, anonymous set or `@set`. Null when
 * the right side is of a form this cannot compare.
 */
export function holds(v: PacketValue, right: NftJson, env: ValueEnv): boolean | null {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = env.sets.get(right.slice(1));
    if (set === undefined) return null;
    return anyOf(
      set.elements.map((e) => e.key),
      v,
      env,
    );
  }
  if (Array.isArray(right)) return anyOf(right, v, env);
  const k = kindOf(right);
  if (k?.[0] === 'set') return anyOf(Array.isArray(k[1]) ? k[1] : [k[1]], v, env);
  if (k?.[0] === 'elem' && isObj(k[1])) return holds(v, k[1].val ?? null, env);
  switch (v.type) {
    case 'addr':
      return addrIn(v.value, right);
    case 'num': {
      if (k?.[0] === 'range' && Array.isArray(k[1])) {
        const [lo, hi] = k[1].map(numberOf);
        return lo === null || hi === null || lo === undefined || hi === undefined
          ? null
          : v.value >= lo && v.value <= hi;
      }
      const n = numberOf(right);
      return n === null ? null : n === v.value;
    }
    case 'iface':
      return typeof right === 'string' ? nftInterfaceMatches(right, v.value ?? '') : null;
    case 'word':
      return typeof right === 'string' ? right === v.value : null;
    case 'flags':
      return typeof right === 'string' ? v.value.includes(right) : null;
    case 'concat': {
      const parts = k?.[0] === 'concat' && Array.isArray(k[1]) ? k[1] : null;
      if (parts === null || parts.length !== v.value.length) return null;
      let all: boolean | null = true;
      v.value.forEach((part, i) => {
        const r = holds(part, parts[i] ?? null, env);
        if (r === false) all = false;
        else if (r === null && all === true) all = null;
      });
      return all;
    }
  }
}

function anyOf(items: readonly NftJson[], v: PacketValue, env: ValueEnv): boolean | null {
  let unsure = false;
  for (const item of items) {
    const r = holds(v, item, env);
    if (r === true) return true;
    if (r === null) unsure = true;
  }
  return unsure ? null : false;
}

/** A match's comparison: `==`/`in` hold, `!=` does not, and the orderings compare numbers. */
export function compare(op: string, v: PacketValue, right: NftJson, env: ValueEnv): boolean | null {
  if (op === '==' || op === 'in') return holds(v, right, env);
  if (op === '!=') {
    const r = holds(v, right, env);
    return r === null ? null : !r;
  }
  const n = numberOf(right);
  if (v.type !== 'num' || n === null) return null;
  switch (op) {
    case '<':
      return v.value < n;
    case '>':
      return v.value > n;
    case '<=':
      return v.value <= n;
    case '>=':
      return v.value >= n;
    default:
      return null;
  }
}
