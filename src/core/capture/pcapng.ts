// Writes pcapng (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface Description Block per captured
// interface (named `namespace/interface`, nanosecond timestamps, its own link type), then an Enhanced Packet Block per
// packet. Little-endian throughout; each block is returned as bytes for the caller to write in order.

export interface PcapngInterface {
  /** `namespace/interface`, the if_name option Wireshark and tshark show. */
  name: string;
  linktype: number;
  snaplen: number;
  /** if_description: how it was captured (`tcpdump -i eth0 in nxl-web1`). */
  description?: string;
}

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const OPT = { end: 0, comment: 1, shbUserAppl: 4, ifName: 2, ifDescription: 3, ifTsresol: 9 } as const;

const pad4 = (n: number) => (n + 3) & ~3;
const utf8 = new TextEncoder();

function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + pad4(value.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}

/** A block: type, total length, body, the options (ended by opt_endofopt when any), total length again. */
function block(type: number, body: Uint8Array, options: Uint8Array[] = []): Uint8Array {
  const opts = options.length ? [...options, new Uint8Array(4)] : [];
  const optLen = opts.reduce((n, o) => n + o.length, 0);
  const total = 12 + pad4(body.length) + optLen;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  let at = 8 + pad4(body.length);
  for (const o of opts) {
    out.set(o, at);
    at += o.length;
  }
  v.setUint32(total - 4, total, true);
  return out;
}

export function sectionHeader(application = 'netns-explorer'): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  v.setBigInt64(8, -1n, true); // section length unknown
  return block(SHB, body, [option(OPT.shbUserAppl, utf8.encode(application))]);
}

export function interfaceBlock(i: PcapngInterface): Uint8Array {
  const body = new Uint8Array(8);
  const v = new DataView(body.buffer);
  v.setUint16(0, i.linktype, true);
  v.setUint32(4, i.snaplen, true);
  const options = [option(OPT.ifName, utf8.encode(i.name)), option(OPT.ifTsresol, Uint8Array.of(9))];
  if (i.description) options.push(option(OPT.ifDescription, utf8.encode(i.description)));
  return block(IDB, body, options);
}

/** An Enhanced Packet Block, written in one allocation (it is the one block per packet). */
export function packetBlock(interfaceId: number, tsNs: bigint, origLen: number, data: Uint8Array): Uint8Array {
  const total = 32 + pad4(data.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, EPB, true);
  v.setUint32(4, total, true);
  v.setUint32(8, interfaceId, true);
  v.setUint32(12, Number(tsNs >> 32n), true);
  v.setUint32(16, Number(tsNs & 0xffffffffn), true);
  v.setUint32(20, data.length, true);
  v.setUint32(24, origLen, true);
  out.set(data, 28);
  v.setUint32(total - 4, total, true);
  return out;
}
