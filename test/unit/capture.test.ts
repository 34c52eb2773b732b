// Capture decoding and files, on packets recorded on the lab (test/fixtures/capture): the pcap stream reader in any
// chunking, the decoder against what tshark reads in the same packets, pcapng blocks, the time merge and the limits.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePacket, LINKTYPE, printable } from '../../src/core/capture/decode';
import { PcapFormatError, PcapStreamReader, type PcapRecord } from '../../src/core/capture/pcap';
import { interfaceBlock, packetBlock, sectionHeader } from '../../src/core/capture/pcapng';
import { LimitCounter, Tail, TimeMerger } from '../../src/core/capture/session';
import { formatIp, parseIp } from '../../src/core/net/address';

const FIXTURES = join(__dirname, '../../../test/fixtures/capture');

function readAll(name: string): { linktype: number; records: PcapRecord[] } {
  const reader = new PcapStreamReader();
  const records = reader.push(readFileSync(join(FIXTURES, name)));
  return { linktype: reader.header!.linktype, records };
}

/** A deterministic chunking: sizes from a small linear congruential sequence. */
function chunks(bytes: Uint8Array, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = seed;
  for (let at = 0; at < bytes.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % 97);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('capture: pcap stream', () => {
  for (const name of ['ether.pcap', 'any.pcap'])
    it(`${name}: the same records whatever the chunks`, () => {
      const whole = readAll(name);
      const bytes = readFileSync(join(FIXTURES, name));
      for (const seed of [1, 7, 42]) {
        const reader = new PcapStreamReader();
        const got = chunks(bytes, seed).flatMap((c) => reader.push(c));
        assert.equal(got.length, whole.records.length);
        assert.deepEqual(
          got.map((r) => [r.tsNs, r.origLen, Buffer.from(r.data).toString('hex')]),
          whole.records.map((r) => [r.tsNs, r.origLen, Buffer.from(r.data).toString('hex')]),
        );
      }
    });

  it('reads link types and microsecond timestamps; refuses what is not pcap', () => {
    assert.equal(readAll('ether.pcap').linktype, LINKTYPE.ethernet);
    assert.equal(readAll('any.pcap').linktype, LINKTYPE.sll2);
    const first = readAll('ether.pcap').records[0]!;
    assert.equal(first.tsNs % 1000n, 0n);
    assert.throws(() => new PcapStreamReader().push(new Uint8Array(32).fill(7)), PcapFormatError);
  });
});

describe('capture: decoding agrees with tshark', () => {
  for (const [name, tsv] of [
    ['ether.pcap', 'ether.tshark.tsv'],
    ['any.pcap', 'any.tshark.tsv'],
  ] as const)
    it(`${name}: addresses, ports and protocol of every packet`, () => {
      const { linktype, records } = readAll(name);
      const rows = readFileSync(join(FIXTURES, tsv), 'utf8').trim().split('\n');
      assert.equal(rows.length, records.length);
      const kinds = new Set<string>();
      rows.forEach((row, i) => {
        // Outer header first: tshark lists a quoted header's fields after the outer one's, comma-separated.
        const [, protocols, ip4s, ip6s, eths, ip4d, ip6d, ethd, tsp, usp, tdp, udp, len] = row
          .split('\t')
          .map((f) => f.split(',')[0]!);
        const d = decodePacket(linktype, records[i]!.data);
        const stack = protocols!.split(':');
        // The outermost transport: an ICMP error quotes the UDP packet it answers (tshark lists both).
        const NAMES: Record<string, string> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'ICMPv6', arp: 'ARP' };
        const expected = NAMES[stack.find((p) => p in NAMES) ?? ''] ?? '?';
        kinds.add(expected);
        assert.equal(d.protocol, expected, `packet ${i + 1}: ${d.summary}`);
        // ARP on Ethernet is shown by its MACs, as tshark's source and destination columns do.
        assert.equal(d.src, ip4s || ip6s || eths || d.src, `packet ${i + 1} source`);
        assert.equal(d.dst, ip4d || ip6d || ethd || d.dst, `packet ${i + 1} destination`);
        const sport = tsp || usp;
        const dport = tdp || udp;
        if (expected === 'TCP' || expected === 'UDP') {
          assert.equal(d.sport, sport ? Number(sport) : null);
          assert.equal(d.dport, dport ? Number(dport) : null);
        }
        assert.equal(records[i]!.origLen, Number(len));
      });
      assert.ok(kinds.has('TCP') && kinds.has('ICMPv6'), [...kinds].join());
      if (name === 'ether.pcap') assert.ok(kinds.has('ARP'));
      else assert.ok(kinds.has('UDP'));
    });

  it('summaries read like a capture list', () => {
    const { linktype, records } = readAll('ether.pcap');
    const summaries = records.map((r) => decodePacket(linktype, r.data).summary);
    assert.ok(summaries.includes('who-has 172.31.240.2 tell 172.31.240.1'), summaries.join('\n'));
    assert.ok(summaries.some((s) => /^172\.31\.240\.2 is-at [0-9a-f:]{17}$/.test(s)));
    assert.ok(summaries.some((s) => /^\d+ → 80 \[SYN\] seq=\d+ win=64240 len=0$/.test(s)));
    assert.ok(summaries.some((s) => /^80 → \d+ \[SYN, ACK\] seq=\d+ ack=\d+ /.test(s)));
    assert.ok(summaries.some((s) => /^80 → \d+ \[PSH, ACK\] .* len=16$/.test(s)));
    const data = records.map((r) => decodePacket(linktype, r.data)).find((d) => d.summary.includes('len=16'));
    assert.equal(data?.payload, 'nxl:nxl-web1:80.');
  });

  it('never throws on a truncated or malformed packet, and says so', () => {
    for (const name of ['ether.pcap', 'any.pcap']) {
      const { linktype, records } = readAll(name);
      for (const r of records)
        for (let n = 0; n <= r.data.length; n += 3) {
          const d = decodePacket(linktype, r.data.subarray(0, n));
          assert.equal(typeof d.summary, 'string');
        }
    }
    assert.match(decodePacket(LINKTYPE.ethernet, new Uint8Array(10)).summary, /truncated/);
    assert.match(decodePacket(999, new Uint8Array(10)).summary, /not decoded/);
  });

  it('payload text is printable ASCII only', () => {
    assert.equal(printable(Uint8Array.from([0x41, 0x0a, 0x1b, 0x7f, 0xe2, 0x80, 0xae, 0x42])), 'A......B');
  });
});

/** The blocks of a pcapng file: type, and the body between the lengths (which must agree). */
function blocks(bytes: Uint8Array): { type: number; body: Uint8Array }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { type: number; body: Uint8Array }[] = [];
  for (let at = 0; at < bytes.length;) {
    const len = v.getUint32(at + 4, true);
    assert.equal(len % 4, 0);
    assert.equal(v.getUint32(at + len - 4, true), len);
    out.push({ type: v.getUint32(at, true), body: bytes.subarray(at + 8, at + len - 4) });
    at += len;
  }
  return out;
}

describe('capture: pcapng', () => {
  it('a section, an interface per target named namespace/interface, a packet block per packet', () => {
    const { records } = readAll('ether.pcap');
    const file = Buffer.concat([
      sectionHeader(),
      interfaceBlock({ name: 'nxl-web1/eth0', linktype: 1, snaplen: 262144 }),
      interfaceBlock({ name: 'rédis/eth0', linktype: 113, snaplen: 262144, description: 'x' }),
      ...records.map((r, i) => packetBlock(i % 2, r.tsNs, r.origLen, r.data)),
    ]);
    const all = blocks(file);
    assert.deepEqual(
      all.slice(0, 3).map((b) => b.type),
      [0x0a0d0d0a, 1, 1],
    );
    assert.equal(new DataView(all[0]!.body.buffer, all[0]!.body.byteOffset).getUint32(0, true), 0x1a2b3c4d);
    assert.ok(Buffer.from(all[2]!.body).includes(Buffer.from('rédis/eth0')));
    const epbs = all.slice(3);
    assert.equal(epbs.length, records.length);
    epbs.forEach((b, i) => {
      const v = new DataView(b.body.buffer, b.body.byteOffset, b.body.byteLength);
      const r = records[i]!;
      assert.equal(v.getUint32(0, true), i % 2);
      assert.equal((BigInt(v.getUint32(4, true)) << 32n) | BigInt(v.getUint32(8, true)), r.tsNs);
      assert.equal(v.getUint32(12, true), r.data.length);
      assert.equal(v.getUint32(16, true), r.origLen);
      assert.deepEqual(b.body.subarray(20, 20 + r.data.length), r.data);
    });
  });
});

describe('capture: merge and limits', () => {
  it('releases packets in time order once the window has passed, the rest at the end', () => {
    const m = new TimeMerger<{ tsNs: bigint; id: string }>(300n);
    m.add({ tsNs: 1000n, id: 'b1' });
    m.add({ tsNs: 900n, id: 'a1' });
    m.add({ tsNs: 1250n, id: 'a2' });
    assert.deepEqual(
      m.drain(1200n).map((p) => p.id),
      ['a1'],
    );
    m.add({ tsNs: 950n, id: 'c1' });
    assert.deepEqual(
      m.drain(1300n).map((p) => p.id),
      ['c1', 'b1'],
    );
    assert.deepEqual(
      m.drain(1300n, true).map((p) => p.id),
      ['a2'],
    );
    assert.equal(m.size, 0);
  });

  it('counts packets and bytes against the limits', () => {
    const c = new LimitCounter({ packets: 3, bytes: 250, seconds: 1 });
    assert.equal(c.take(100), null);
    assert.equal(c.take(100), null);
    assert.equal(c.take(100), 'bytes');
    assert.equal(c.take(50), null);
    assert.equal(c.full(), 'packets');
    assert.equal(c.take(1), 'packets');
    assert.deepEqual([c.packets, c.bytes], [3, 250]);
  });

  it('the display keeps the last packets only', () => {
    const t = new Tail<number>(3);
    t.push(1, 2);
    t.push(3, 4, 5);
    assert.deepEqual(t.all, [3, 4, 5]);
    assert.equal(t.dropped, 2);
  });
});

describe('capture: IPv6 addresses as text', () => {
  it('agrees with the address module on compression (RFC 5952)', () => {
    const cases = [
      '::',
      '::1',
      'fe80::1',
      'ff02::16',
      '2001:db8::1:0:0:1',
      '2001:db8:0:0:1::1',
      '1:0:0:2:0:0:0:3',
      'fd00:6e78::2',
    ];
    for (const text of cases) {
      const ip = parseIp(text)!;
      const bytes = new Uint8Array(40 + 16);
      bytes[0] = 0x60;
      bytes[6] = 59; // no next header
      for (let i = 0; i < 16; i++) bytes[8 + i] = Number((ip.value >> BigInt(8 * (15 - i))) & 0xffn);
      assert.equal(decodePacket(LINKTYPE.raw, bytes).src, formatIp(ip), text);
    }
  });
});
