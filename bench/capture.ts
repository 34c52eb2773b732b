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
import { SnapshotCollector } from '../src/host/collect';
import { readConnections } from '../src/host/conntrack';
import { discoverNamespaces } from '../src/host/discovery';
import { ExecRunner } from '../src/host/runner';
import type { ReachBenchIo } from './reach';
import { benchLabDown, benchLabUp } from './scaleLab';
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
  await connectionsAtScale(io);
}

/**
 * What one read of the Connections view and the topology's overlay costs at 200 namespaces (`conntrack -L` in each,
 * 8 at a time), against a full snapshot of the same namespaces: the view waits three times a read between reads.
 */
async function connectionsAtScale(io: ReachBenchIo): Promise<void> {
  const runner = new ExecRunner({ timeoutMs: 600_000 });
  const runs = io.quick ? 2 : 3;
  await benchLabUp(200, runner, true);
  try {
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const snapshot = await new SnapshotCollector(runner).full(discovery);
    const reads: number[] = [];
    const snapshots: number[] = [];
    for (let i = 0; i < runs; i++) {
      let start = performance.now();
      await new SnapshotCollector(runner).full(discovery);
      snapshots.push(performance.now() - start);
      start = performance.now();
      const r = await readConnections(runner, snapshot.namespaces, 8);
      reads.push(performance.now() - start);
      const failed = r.filter((x) => x.error);
      if (failed.length) throw new Error(`conntrack failed in ${failed.length} namespaces: ${failed[0]!.error}`);
    }
    io.record({
      section: 'capture',
      case: `connections of ${snapshot.namespaces.length} namespaces (conntrack -L in each, 8 at a time)`,
      value: io.ms(median(reads)),
      spread: spreadOf(reads, io.ms),
      ratio: median(reads.map((t, i) => t / snapshots[i]!)),
      baseline: `full snapshot of the same namespaces ${io.ms(median(snapshots))}`,
      target: 'report',
      met: null,
    });
  } finally {
    await benchLabDown();
  }
}

export const CAPTURE_NOTES = `- Capture: the capture's own work per packet, without the kernel or tcpdump: the live list needs the same decode,
  the file the same pcapng block. A capture is limited to 10,000 packets by default, so at this rate the work of a
  whole default capture is a few tens of milliseconds; tcpdump's "dropped by kernel" count is shown per interface
  when reading falls behind. The Connections view and the topology's overlay read every namespace's table each
  time; they wait three times a read's duration between reads (at least 3 s), so reading takes at most a quarter of
  the time on a large host.`;
