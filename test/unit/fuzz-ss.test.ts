// Property tests of the one `ss` parser (src/core/listeners.ts) on random, ss-shaped, printed and mutated-from-fixture
// text.
import { strict as assert } from 'node:assert';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { parseSs, type Listener } from '../../src/core/listeners';
import { fuzzParams, mutate, mutationsArb, ssFixtures } from './fuzz-config';

const fixtures = ssFixtures();
/** Insertions that matter to ss lines, on top of the shared ones. */
const SS_SPECIAL = [
  '%',
  '%lo',
  '"',
  '",pid=',
  ',fd=',
  '((',
  '))',
  'users:((',
  '::',
  ':::',
  '.',
  '0',
  '65536',
  '99999',
  'LISTEN',
  'UNCONN',
  'tcp ',
  'udp ',
  'sctp ',
];

/**
 * The contract: a result, never a throw; every listener well formed; diagnostics name real lines in one line of text.
 */
function checkSs(text: string): void {
  const parsed = parseSs(text);
  const lines = text.split('\n').length;
  for (const l of parsed.listeners) {
    assert.ok(['tcp', 'udp', 'sctp'].includes(l.protocol), `protocol ${String(l.protocol)}`);
    assert.ok(Number.isInteger(l.port) && l.port >= 0 && l.port <= 65535, `port ${l.port}`);
    assert.ok(
      l.address === '*' || isIP(l.address) !== 0,
      `address ${JSON.stringify(l.address)} is an IPv4/IPv6 literal or *`,
    );
    assert.ok(!/[%[\]\s]/.test(l.address), 'no brackets, zone or space left in the address');
    assert.ok(
      l.device === null || (l.device.length > 0 && !/[\s:]/.test(l.device)),
      `device ${JSON.stringify(l.device)}`,
    );
    for (const p of l.processes) {
      assert.equal(typeof p.command, 'string');
      assert.ok(!p.command.includes('\n'));
      assert.ok(Number.isSafeInteger(p.pid) && p.pid > 0, `pid ${p.pid}`);
    }
  }
  for (const d of parsed.diagnostics) {
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines, `diagnostic line ${d.line} of ${lines}`);
    assert.ok(d.message.length > 0 && !/[\n\r]/.test(d.message), 'a diagnostic is one line of text');
  }
  assert.ok(parsed.listeners.length + parsed.diagnostics.length <= lines, 'at most one outcome per line');
  JSON.stringify(parsed); // the trace result carries it to the CLI and the webview
}

/** Each line is read on its own: a bad line cannot change what another line says. */
function checkLineByLine(text: string): void {
  const whole = parseSs(text);
  const alone = text.split('\n').map((line, i) => {
    const one = parseSs(line);
    return { listeners: one.listeners, diagnostics: one.diagnostics.map((d) => ({ ...d, line: i + 1 })) };
  });
  assert.deepEqual(whole, {
    listeners: alone.flatMap((a) => a.listeners),
    diagnostics: alone.flatMap((a) => a.diagnostics),
  });
}

// A well-formed listener and the line ss prints for it, in the current and the pre-4.x address forms.
const deviceArb = fc.stringMatching(/^[A-Za-z0-9_.@#%[\]-]{1,15}$/);
const commandArb = fc.string({ maxLength: 15, unit: 'binary' }).filter((c) => !c.includes('\n') && !c.includes('",'));
const listenerArb: fc.Arbitrary<Listener> = fc.record({
  protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
  address: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('*', '0.0.0.0', '::', '::ffff:10.0.0.1')),
  device: fc.option(deviceArb, { freq: 3 }),
  port: fc.integer({ min: 0, max: 65535 }),
  processes: fc.array(fc.record({ command: commandArb, pid: fc.integer({ min: 1, max: 4194304 }) }), { maxLength: 3 }),
});
const printedArb = fc
  .tuple(listenerArb, fc.boolean(), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 6, maxLength: 6 }), fc.nat(9))
  .map(([l, old, gaps, fd]) => {
    const v6 = l.address.includes(':');
    const host = v6 && !old ? `[${l.address}]` : l.address;
    const local = `${host}${l.device === null ? '' : `%${l.device}`}:${l.port}`;
    const users = l.processes.length
      ? `users:(${l.processes.map((p) => (old ? `("${p.command}",${p.pid},${fd})` : `("${p.command}",pid=${p.pid},fd=${fd})`)).join(',')})`
      : '';
    const cols = [
      l.protocol,
      l.protocol === 'udp' ? 'UNCONN' : 'LISTEN',
      '0',
      '128',
      local,
      v6 ? (old ? ':::*' : '[::]:*') : '0.0.0.0:*',
      users,
    ];
    return {
      listener: l,
      line: cols
        .map((c, i) => c + ' '.repeat(gaps[i] ?? 1))
        .join('')
        .trimEnd(),
    };
  });

// Lines shaped like ss's, from parts both valid and not: odd netids and states, addresses of every kind, ports out of
// range or named.
const addressArb = fc
  .oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4Extended(),
    fc.constantFrom('*', '0.0.0.0', '::', '[::]', '[::ffff:1.2.3.4]', '1::2:3:4:5:6:7:8', '1.2.3.4::'),
    fc.string({ maxLength: 8 }),
  )
  .chain((a) => fc.constantFrom(a, `[${a}]`, `[${a}`));
const localArb = fc
  .tuple(
    addressArb,
    fc.option(fc.string({ maxLength: 5 })),
    fc.oneof(
      fc.integer({ min: -5, max: 70000 }).map(String),
      fc.constantFrom('*', 'http', '', '0x50', '1e3'),
      fc.string({ maxLength: 4 }),
    ),
  )
  .map(([a, dev, port]) => `${a}${dev === null ? '' : `%${dev}`}:${port}`);
const usersArb = fc
  .array(
    fc.tuple(
      fc.string({ maxLength: 6 }),
      fc.oneof(fc.nat().map(String), fc.constantFrom('0', '99999999999', '9'.repeat(40))),
    ),
    { maxLength: 2 },
  )
  .map((ps) => (ps.length ? `users:(${ps.map(([c, pid]) => `("${c}",pid=${pid},fd=3)`).join(',')})` : ''));
const ssLineArb = fc
  .tuple(
    fc.constantFrom('tcp', 'udp', 'sctp', 'u_str', 'mptcp', 'Netid', 'LISTEN', 'UNCONN', 'TCP', ''),
    fc.constantFrom('LISTEN', 'UNCONN', 'ESTAB', 'CLOSED', ''),
    fc.constantFrom('0', '1', '-1'),
    fc.constantFrom('0', '4096'),
    localArb,
    localArb,
    usersArb,
    fc.nat(7),
  )
  .map(([netid, state, rq, sq, local, peer, users, cut]) =>
    [netid, state, rq, sq, local, peer, users].slice(0, Math.max(cut, 1) + 1).join(' '),
  );

describe('fuzz: ss parser', () => {
  it('any text: listeners and diagnostics, never a throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), checkSs), fuzzParams(0x5501, 5000));
  });

  it('ss-shaped random lines (odd netids and states, every address form, ports out of range, huge pids): the same contract, line by line', () => {
    fc.assert(
      fc.property(fc.array(ssLineArb, { maxLength: 6 }), (lines) => {
        const text = lines.join('\n');
        checkSs(text);
        checkLineByLine(text);
      }),
      fuzzParams(0x5502, 3000),
    );
  });

  it('every recorded fixture, mutated (characters inserted and deleted, lines dropped, doubled, swapped, truncated): the same contract', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), mutationsArb(6, SS_SPECIAL), (f, ms) => {
        const text = mutate(f.text, ms);
        checkSs(text);
        checkLineByLine(text);
      }),
      fuzzParams(0x5503, 3000),
    );
  });

  it('a listener printed the way ss prints it (brackets or not, %device, any command name) reads back exactly', () => {
    fc.assert(
      fc.property(fc.array(printedArb, { minLength: 1, maxLength: 4 }), (printed) => {
        const parsed = parseSs(printed.map((p) => p.line).join('\n'));
        assert.deepEqual(parsed, {
          listeners: printed.map((p) => ({ ...p.listener, processes: p.listener.processes.map((x) => ({ ...x })) })),
          diagnostics: [],
        });
      }),
      fuzzParams(0x5504, 2000),
    );
  });
});
