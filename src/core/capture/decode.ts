// One line per packet, as a capture list shows it: source → destination, protocol, a summary. Decodes what container
// networking carries: Ethernet (with 802.1Q tags), Linux cooked captures, raw IP, ARP, IPv4, IPv6 (skipping its
// extension headers), ICMP, ICMPv6, TCP and UDP. Anything else is named by its number. Never throws: a truncated or
// malformed packet says so in its summary. Every string it returns from packet bytes is plain text for the caller to
// escape (payload bytes become printable ASCII or dots).

export const LINKTYPE = { null: 0, ethernet: 1, raw: 101, raw12: 12, sll: 113, sll2: 276 } as const;

export interface DecodedPacket {
  /** IP or MAC address (ARP, other Ethernet types), or '' when unknown. */
  src: string;
  dst: string;
  /** TCP, UDP, ICMP, ICMPv6, ARP, IPv4, IPv6, or the EtherType / IP protocol number. */
  protocol: string;
  sport: number | null;
  dport: number | null;
  /** `40000 → 80 [SYN] seq=0 win=64240 len=0`, `who-has 172.31.240.2 tell 172.31.240.1`… */
  summary: string;
  /** Up to 64 bytes of the transport payload as printable ASCII, others as '.'; '' when none. */
  payload: string;
}

const ETHERTYPE: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x8100: '802.1Q' };
const IPPROTO: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  6: 'TCP',
  17: 'UDP',
  47: 'GRE',
  50: 'ESP',
  58: 'ICMPv6',
  132: 'SCTP',
};

class Bytes {
  readonly view: DataView;
  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  has(at: number, n: number): boolean {
    return at + n <= this.data.length;
  }
  u8(at: number): number {
    return this.data[at]!;
  }
  u16(at: number): number {
    return this.view.getUint16(at, false);
  }
  u32(at: number): number {
    return this.view.getUint32(at, false);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macText(b: Uint8Array, at: number): string {
  return `${HEX[b[at]!]}:${HEX[b[at + 1]!]}:${HEX[b[at + 2]!]}:${HEX[b[at + 3]!]}:${HEX[b[at + 4]!]}:${HEX[b[at + 5]!]}`;
}

function ipv4Text(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text: lower-case hex groups, the longest run of two or more zero groups (the first of equals) as `::`. */
function ipv6Text(b: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[at + i]! << 8) | b[at + i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** Printable ASCII of up to `max` bytes, others as '.'. */
export function printable(b: Uint8Array, max = 64): string {
  const codes = Array.from(b.subarray(0, max), (x) => (x >= 0x20 && x < 0x7f ? x : 0x2e));
  return String.fromCharCode(...codes);
}

/** A packet named by its protocol and a summary: no ports. */
const plain = (protocol: string, summary: string, src = '', dst = ''): DecodedPacket => ({
  src,
  dst,
  protocol,
  sport: null,
  dport: null,
  summary,
  payload: '',
});

export function decodePacket(linktype: number, data: Uint8Array): DecodedPacket {
  const b = new Bytes(data);
  switch (linktype) {
    case LINKTYPE.ethernet:
      return ethernet(b);
    case LINKTYPE.sll:
      return b.has(0, 16) ? byEthertype(b, b.u16(14), 16, '', '') : plain('?', 'truncated cooked header');
    case LINKTYPE.sll2:
      return b.has(0, 20) ? byEthertype(b, b.u16(0), 20, '', '') : plain('?', 'truncated cooked header');
    case LINKTYPE.raw:
    case LINKTYPE.raw12:
      return rawIp(b, 0);
    case LINKTYPE.null:
      return b.has(0, 4) ? rawIp(b, 4) : plain('?', 'truncated loopback header');
    default:
      return plain(`link ${linktype}`, `link type ${linktype} is not decoded`);
  }
}

function rawIp(b: Bytes, at: number): DecodedPacket {
  if (!b.has(at, 1)) return plain('?', 'empty packet');
  const version = b.u8(at) >> 4;
  return version === 4 ? ipv4(b, at) : version === 6 ? ipv6(b, at) : plain('?', `IP version ${version}`);
}

function ethernet(b: Bytes): DecodedPacket {
  if (!b.has(0, 14)) return plain('Ethernet', 'truncated Ethernet header');
  let type = b.u16(12);
  let at = 14;
  let vlan = '';
  while ((type === 0x8100 || type === 0x88a8) && b.has(at, 4)) {
    vlan += `vlan ${b.u16(at) & 0x0fff} `;
    type = b.u16(at + 2);
    at += 4;
  }
  const decoded = byEthertype(b, type, at, macText(b.data, 6), macText(b.data, 0));
  return vlan ? { ...decoded, summary: `${vlan}${decoded.summary}` } : decoded;
}

function byEthertype(b: Bytes, type: number, at: number, srcMac: string, dstMac: string): DecodedPacket {
  if (type === 0x0800) return ipv4(b, at);
  if (type === 0x86dd) return ipv6(b, at);
  if (type === 0x0806) return arp(b, at, srcMac, dstMac);
  const name = ETHERTYPE[type] ?? `0x${type.toString(16).padStart(4, '0')}`;
  return plain(name, `EtherType ${name}, ${b.data.length - at} bytes`, srcMac, dstMac);
}

function arp(b: Bytes, at: number, srcMac: string, dstMac: string): DecodedPacket {
  if (!b.has(at, 28) || b.u16(at) !== 1 || b.u16(at + 2) !== 0x0800)
    return plain('ARP', 'ARP (not Ethernet/IPv4, or truncated)', srcMac, dstMac);
  const op = b.u16(at + 6);
  const senderMac = macText(b.data, at + 8);
  const sender = ipv4Text(b.data, at + 14);
  const target = ipv4Text(b.data, at + 24);
  const summary =
    op === 1
      ? sender === target
        ? `announce ${sender} is-at ${senderMac}`
        : `who-has ${target} tell ${sender}`
      : op === 2
        ? `${sender} is-at ${senderMac}`
        : `operation ${op}`;
  return plain('ARP', summary, srcMac || sender, dstMac || target);
}

function ipv4(b: Bytes, at: number): DecodedPacket {
  if (!b.has(at, 20)) return plain('IPv4', 'truncated IPv4 header');
  const ihl = (b.u8(at) & 0x0f) * 4;
  const total = b.u16(at + 2);
  const fragment = b.u16(at + 6);
  const ttl = b.u8(at + 8);
  const proto = b.u8(at + 9);
  const src = ipv4Text(b.data, at + 12);
  const dst = ipv4Text(b.data, at + 16);
  const end = Math.min(b.data.length, at + Math.max(total, ihl));
  if (ihl < 20) return plain('IPv4', `bad header length ${ihl}`, src, dst);
  if ((fragment & 0x1fff) !== 0)
    return plain(IPPROTO[proto] ?? `IP ${proto}`, `fragment at offset ${(fragment & 0x1fff) * 8}`, src, dst);
  return transport(b, proto, at + ihl, end, src, dst, `ttl=${ttl}`);
}

function ipv6(b: Bytes, at: number): DecodedPacket {
  if (!b.has(at, 40)) return plain('IPv6', 'truncated IPv6 header');
  const payloadLen = b.u16(at + 4);
  let next = b.u8(at + 6);
  const hop = b.u8(at + 7);
  const src = ipv6Text(b.data, at + 8);
  const dst = ipv6Text(b.data, at + 24);
  const end = Math.min(b.data.length, at + 40 + payloadLen);
  let off = at + 40;
  // Hop-by-hop, routing, destination options: 8-byte units after the first 8; fragment: 8 bytes.
  while ([0, 43, 60, 44].includes(next) && b.has(off, 8)) {
    if (next === 44 && (b.u16(off + 2) & 0xfff8) !== 0)
      return plain(IPPROTO[b.u8(off)] ?? `IP ${b.u8(off)}`, 'IPv6 fragment', src, dst);
    const len = next === 44 ? 8 : (b.u8(off + 1) + 1) * 8;
    next = b.u8(off);
    off += len;
  }
  return transport(b, next, off, end, src, dst, `hlim=${hop}`);
}

// In Wireshark's order: [SYN, ACK], [FIN, ACK], [PSH, ACK].
const TCP_FLAGS: [number, string][] = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x20, 'URG'],
  [0x10, 'ACK'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
];

function transport(
  b: Bytes,
  proto: number,
  at: number,
  end: number,
  src: string,
  dst: string,
  ttl: string,
): DecodedPacket {
  const name = IPPROTO[proto] ?? `IP ${proto}`;
  const base = { src, dst, protocol: name, sport: null, dport: null, payload: '' };
  if (proto === 6) {
    if (!b.has(at, 20)) return { ...base, summary: 'truncated TCP header' };
    const sport = b.u16(at);
    const dport = b.u16(at + 2);
    const offset = (b.u8(at + 12) >> 4) * 4;
    const flagBits = b.u8(at + 13);
    const flags = TCP_FLAGS.filter(([bit]) => flagBits & bit).map(([, n]) => n);
    const len = Math.max(0, end - at - offset);
    const ack = flagBits & 0x10 ? ` ack=${b.u32(at + 8)}` : '';
    const payload = b.data.subarray(Math.min(at + offset, end), end);
    return {
      ...base,
      sport,
      dport,
      summary: `${sport} → ${dport} [${flags.join(', ') || 'none'}] seq=${b.u32(at + 4)}${ack} win=${b.u16(at + 14)} len=${len}`,
      payload: printable(payload),
    };
  }
  if (proto === 17) {
    if (!b.has(at, 8)) return { ...base, summary: 'truncated UDP header' };
    const sport = b.u16(at);
    const dport = b.u16(at + 2);
    const payload = b.data.subarray(Math.min(at + 8, end), end);
    return {
      ...base,
      sport,
      dport,
      summary: `${sport} → ${dport} len=${Math.max(0, b.u16(at + 4) - 8)}`,
      payload: printable(payload),
    };
  }
  if (proto === 1 || proto === 58) {
    if (!b.has(at, 4)) return { ...base, summary: `truncated ${name} header` };
    return { ...base, summary: `${icmpText(b, proto === 58, at)} ${ttl}` };
  }
  return { ...base, summary: `${name}, ${Math.max(0, end - at)} bytes` };
}

const ICMP4: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
};
const UNREACH4: Record<number, string> = {
  0: 'net',
  1: 'host',
  3: 'port',
  4: 'fragmentation needed',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'administratively prohibited',
};
const ICMP6: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
};
const UNREACH6: Record<number, string> = { 0: 'no route', 1: 'administratively prohibited', 3: 'address', 4: 'port' };

function icmpText(b: Bytes, v6: boolean, at: number): string {
  const type = b.u8(at);
  const code = b.u8(at + 1);
  const name = (v6 ? ICMP6 : ICMP4)[type] ?? `type ${type} code ${code}`;
  const echo = v6 ? type === 128 || type === 129 : type === 0 || type === 8;
  if (echo && b.has(at, 8)) return `${name} id=${b.u16(at + 4)} seq=${b.u16(at + 6)}`;
  if (v6 ? type === 1 : type === 3)
    return `${name} (${(v6 ? UNREACH6 : UNREACH4)[code] ?? `code ${code}`} unreachable)`;
  if (v6 && (type === 135 || type === 136) && b.has(at, 24))
    return `${name} ${type === 135 ? 'for ' : ''}${ipv6Text(b.data, at + 8)}`;
  return name;
}
