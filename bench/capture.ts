// Capture: how fast the capture's own work goes (the pcap stream read in chunks, each packet decoded for the list,
// merged and written as pcapng), against `tcpdump -r -n` printing the same packets' one-line summaries, the tool a
// user would read them with. 200,000 packets recorded on the lab (test/fixtures/capture/ether.pcap, repeated).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePacket } from '../src/core/capture/decode';
import { PcapStreamReader, type PcapRecord } from '../src/core/capture/pcap';
import { packetBlock } from '../src/core/capture/pcapng';
import { TimeMerger } from '../src/core/capture/session';
import { ExecRunner } from '../src/host/runner';
import type { ReachBenchIo } from './reach';
import { median, spreadOf } from './stats';

const PACKETS = 200_000;

/** A classic pcap of `count` packets: the fixture's records repeated, a microsecond apart. */
function bigPcap(count: number): { bytes: Buffer; linktype: number } {
  const fixture = readFileSync(join(__dirname, '../test/fixtures/capture/ether.pcap'));
  const reader = new PcapStreamReader();
  const records = reader.push(fixture);
  const parts: Buffer[] = [fixture.subarray(0, 24)];
  for (let i = 0; i < count; i++) {
    const r = records[i % records.length]!;
    const head = Buffer.alloc(16);
    head.writeUInt32LE(1_800_000_000 + Math.floor(i / 1e6), 0);
    head.writeUInt32LE(i % 1e6, 4);
    head.writeUInt32LE(r.data.length, 8);
    head.writeUInt32LE(r.origLen, 12);
    parts.push(head, Buffer.from(r.data));
  }
  return { bytes: Buffer.concat(parts), linktype: reader.header!.linktype };
}

/** The capture's work on a stream: 64 KiB chunks read, every packet decoded, merged by time and written as pcapng. */
function pipeline(bytes: Buffer, linktype: number): number {
  const reader = new PcapStreamReader();
  const merger = new TimeMerger<PcapRecord>();
  let written = 0;
  let decoded = 0;
  for (let at = 0; at < bytes.length; at += 65_536) {
    for (const r of reader.push(bytes.subarray(at, at + 65_536))) merger.add(r);
    for (const r of merger.drain(0n, true)) {
      if (decodePacket(linktype, r.data).summary) decoded++;
      written += packetBlock(0, r.tsNs, r.origLen, r.data).length;
    }
  }
  if (decoded !== PACKETS) throw new Error(`decoded ${decoded} of ${PACKETS}`);
  return written;
}

export async function captureSection(io: ReachBenchIo): Promise<void> {
  const runs = io.quick ? 3 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'nxb-capture-'));
  try {
    const { bytes, linktype } = bigPcap(PACKETS);
    const file = join(dir, 'big.pcap');
    writeFileSync(file, bytes);
    const runner = new ExecRunner({ timeoutMs: 600_000 });
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) {
      let start = performance.now();
      const r = await runner.run(['tcpdump', '-r', file, '-n']);
      if (r.failure) throw new Error(`tcpdump -r: ${r.failure.message}`);
      theirs.push(performance.now() - start);
      start = performance.now();
      pipeline(bytes, linktype);
      ours.push(performance.now() - start);
    }
    const ratios = ours.map((t, i) => t / theirs[i]!);
    io.record({
      section: 'capture',
      case: `${PACKETS.toLocaleString('en')} packets: read, decoded, merged, written as pcapng`,
      value: `${io.ms(median(ours))} (${Math.round(PACKETS / (median(ours) / 1000)).toLocaleString('en')} packets/s)`,
      spread: spreadOf(ours, io.ms),
      ratio: median(ratios),
      baseline: `tcpdump -r -n (its one-line summaries) ${io.ms(median(theirs))}`,
      target: 'report',
      met: null,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CAPTURE_NOTES = `- Capture: the capture's own work per packet, without the kernel or tcpdump: the live list needs the same decode,
  the file the same pcapng block. A capture is limited to 10,000 packets by default, so at this rate the work of a
  whole default capture is a few tens of milliseconds; tcpdump's "dropped by kernel" count is shown per interface
  when reading falls behind.`;
