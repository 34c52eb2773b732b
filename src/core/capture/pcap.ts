// Reads the classic pcap stream `tcpdump -U -w -` writes, as it arrives: a 24-byte file header, then records of a
// 16-byte header and the captured bytes. Chunks split records anywhere; the reader keeps the remainder.

/** One captured packet: when (nanoseconds since the epoch), how long on the wire, and the bytes kept. */
export interface PcapRecord {
  tsNs: bigint;
  origLen: number;
  data: Uint8Array;
}

export interface PcapHeader {
  linktype: number;
  snaplen: number;
  /** Nanosecond timestamps (`--time-stamp-precision nano`), else microseconds. */
  nano: boolean;
}

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

export class PcapFormatError extends Error {}

export class PcapStreamReader {
  header: PcapHeader | null = null;
  private little = true;
  private buffer: Uint8Array = new Uint8Array(0);

  /** Feeds a chunk; returns the records it completed. Throws PcapFormatError on a stream that is not pcap. */
  push(chunk: Uint8Array): PcapRecord[] {
    this.buffer = this.buffer.length ? concat(this.buffer, chunk) : chunk;
    const out: PcapRecord[] = [];
    let at = 0;
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    if (!this.header) {
      if (this.buffer.length < 24) return out;
      const le = view.getUint32(0, true);
      const be = view.getUint32(0, false);
      const magic = [MAGIC_MICRO, MAGIC_NANO].includes(le) ? le : be;
      if (magic !== MAGIC_MICRO && magic !== MAGIC_NANO)
        throw new PcapFormatError(`not a pcap stream (magic 0x${le.toString(16)})`);
      this.little = magic === le;
      this.header = {
        snaplen: view.getUint32(16, this.little),
        linktype: view.getUint32(20, this.little) & 0xffff,
        nano: magic === MAGIC_NANO,
      };
      at = 24;
    }
    const scale = this.header.nano ? 1n : 1000n;
    while (this.buffer.length - at >= 16) {
      const seconds = view.getUint32(at, this.little);
      const fraction = view.getUint32(at + 4, this.little);
      const capLen = view.getUint32(at + 8, this.little);
      const origLen = view.getUint32(at + 12, this.little);
      if (capLen > 0x4000000) throw new PcapFormatError(`record of ${capLen} bytes`);
      if (this.buffer.length - at - 16 < capLen) break;
      out.push({
        tsNs: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * scale,
        origLen,
        data: this.buffer.slice(at + 16, at + 16 + capLen),
      });
      at += 16 + capLen;
    }
    this.buffer = this.buffer.subarray(at);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
