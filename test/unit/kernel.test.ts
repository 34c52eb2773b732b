// The kernel as witness, without a kernel: `nft -a monitor trace` output recorded from the real tool (a loopback
// connection DNATed in nat OUTPUT and rejected in filter INPUT) read into events, packets and the first exchange; the
// tracing table only ever sets nftrace.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagWords, packetsOf, parseTraceLine, type TraceEvent } from '../../src/core/kernel/monitor';
import {
  exchangeOf,
  kernelSteps,
  kernelVerdicts,
  TRACE_TABLE,
  tracingScript,
  tupleOfText,
} from '../../src/core/kernel/witness';
import type { Snapshot } from '../../src/core/model';

const FIXTURE = join(__dirname, '../../../test/fixtures/nft/monitor-trace-loopback-dnat-reject.txt');
const events = (): TraceEvent[] =>
  readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .map(parseTraceLine)
    .filter((e): e is TraceEvent => e !== null);

describe('the kernel as witness: reading nft monitor trace', () => {
  it('reads every line: packets with their tuple and flags, rules with handle and verdict, policies', () => {
    const all = events();
    assert.equal(all.length, 10);
    const dnat = all.find((e) => e.table === 'nat' && e.kind === 'rule');
    assert.deepEqual(
      [dnat?.family, dnat?.chain, dnat?.handle, dnat?.verdict, dnat?.text],
      ['ip', 'OUTPUT', 2, 'accept', 'tcp dport 5556 counter packets 0 bytes 0 dnat to 127.0.0.1:5555'],
    );
    const reject = all.find((e) => e.table === 'filter' && e.kind === 'rule');
    assert.deepEqual([reject?.chain, reject?.handle, reject?.verdict], ['INPUT', 2, 'drop']);
    const first = all[0]!;
    assert.deepEqual(first.tuple, { proto: 'tcp', src: '127.0.0.1', dst: '127.0.0.1', sport: 45123, dport: 5556 });
    assert.deepEqual(flagWords(first.flags), ['syn']);
    assert.equal(all.find((e) => e.kind === 'policy')?.verdict, 'accept');
    assert.equal(parseTraceLine('not a trace line'), null);
  });

  it('cuts the events into packets at our chain, and keeps the first exchange', () => {
    const packets = packetsOf(events(), TRACE_TABLE);
    assert.deepEqual(
      packets.map((p) => [p.hook, p.events.map((e) => `${e.table} ${e.chain} ${e.kind}`)]),
      [
        ['out', ['nat OUTPUT rule']],
        ['pre', ['filter INPUT rule']],
      ],
    );
    const x = exchangeOf(packets, 45123);
    assert.equal(x.request.length, 2, 'the SYN at output, then at prerouting after the DNAT');
    assert.equal(x.reply.length, 0);
    // The same packet entering the same hook again is a retransmission: the exchange ends there.
    assert.equal(exchangeOf([...packets, ...packets], 45123).request.length, 2);
  });

  it('follows a packet whose trace id changes on the way, by its client end', () => {
    const line = (id: string, rest: string) => parseTraceLine(`trace id ${id} ${rest}`)!;
    const evs = [
      line(
        'aa',
        `inet ${TRACE_TABLE} pre packet: iif "br0" ip saddr 10.0.0.2 ip daddr 198.18.0.2 tcp sport 80 tcp dport 45123 tcp flags == 0x12 tcp window 1`,
      ),
      line('aa', 'ip raw PREROUTING policy accept'),
      line(
        'bb',
        'ip filter FORWARD packet: iif "br0" ip saddr 10.0.0.2 ip daddr 198.18.0.2 tcp sport 80 tcp dport 45123 tcp flags == 0x12 tcp window 1',
      ),
      line('bb', 'ip filter FORWARD rule ct state established counter accept # handle 9 (verdict accept)'),
      line('cc', 'ip filter INPUT rule counter drop # handle 4 (verdict drop)'),
    ];
    const [p] = packetsOf(evs, TRACE_TABLE);
    assert.deepEqual(
      p?.events.map((e) => `${e.chain} ${e.verdict}`),
      ['PREROUTING accept', 'FORWARD accept'],
      "the FORWARD events join it; another packet's do not",
    );
    assert.deepEqual(flagWords(p?.flags ?? null), ['syn', 'ack']);
    assert.equal(exchangeOf([p!], 45123).reply.length, 1, 'a SYN-ACK to the client port is the reply');
  });

  it("the kernel's verdict: a reject is a refusal, named by table, chain and handle", () => {
    const snapshot = { namespaces: [], nat: [] } as unknown as Snapshot;
    const steps = kernelSteps(snapshot, { request: ['1'], reply: ['1'] }, new Map([['1', events()]]), 45123, new Map());
    assert.deepEqual(
      steps.map((s) => `${s.direction} ${s.table} ${s.chain} ${s.handle} ${s.verdict}`),
      ['request nat OUTPUT 2 accept', 'request filter INPUT 2 drop'],
    );
    const request = {
      source: { kind: 'local' as const, namespace: '1' },
      dst: '127.0.0.1',
      dport: 5556,
      protocol: 'tcp' as const,
    };
    const v = kernelVerdicts(steps, { outcome: 'refused' }, request);
    assert.equal(v.verdict?.kind, 'refused');
    assert.match(v.verdict?.kind === 'refused' ? v.verdict.reason : '', /ip filter INPUT handle 2/);
    assert.equal(v.reply, null);
  });

  it('the tracing table only sets nftrace, rate-limited, before raw; a leftover is replaced in the same transaction', () => {
    const script = tracingScript('tcp', 45123, [tupleOfText('tcp 198.18.0.2:45123 → 198.18.0.1:8080')!]);
    const rules = script.split('\n').filter((l) => l.includes('meta l4proto'));
    assert.equal(rules.length, 6, 'three rules in each of the two chains');
    for (const r of rules) {
      assert.match(r, /limit rate \d+\/second meta nftrace set 1$/);
      assert.doesNotMatch(r, /\b(accept|drop|reject|mark|dnat|snat)\b/);
    }
    assert.match(script, /type filter hook prerouting priority -310; policy accept;/);
    assert.match(script, /^table inet netns-explorer-trace \{\}\ndelete table inet netns-explorer-trace\n/);
    assert.deepEqual(tupleOfText('tcp [fd00::2]:40000 → [fd00::1]:80'), {
      proto: 'tcp',
      src: 'fd00::2',
      sport: 40000,
      dst: 'fd00::1',
      dport: 80,
    });
  });
});
