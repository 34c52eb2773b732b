// Property tests of the `ip -j` batch parser and the interface/route builders on random and mutated JSON.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { buildInterfaces, buildNsidNames, buildRoutes, parseIpBatch, splitJsonArrays } from '../../src/core/ip/parse';
import type { InterfaceKind } from '../../src/core/model';
import { fuzzParams, ipRecordings, mutate, mutationsArb } from './fuzz-config';

const recordings = ipRecordings();
const KINDS: InterfaceKind[] = [
  'loopback',
  'veth',
  'bridge',
  'physical',
  'vlan',
  'vxlan',
  'macvlan',
  'ipvlan',
  'tun',
  'dummy',
  'other',
];

/** The contract: parseIpBatch returns ok or a message, and what it accepts builds well-typed interfaces and routes. */
function checkIp(text: string): void {
  const parsed = parseIpBatch(text);
  if (!parsed.ok) {
    assert.equal(typeof parsed.message, 'string');
    assert.ok(parsed.message.length > 0);
    return;
  }
  const interfaces = buildInterfaces(parsed.batch);
  for (const i of interfaces) {
    assert.equal(typeof i.name, 'string');
    assert.ok(Number.isFinite(i.ifindex));
    assert.ok(KINDS.includes(i.kind), `kind ${String(i.kind)} is an InterfaceKind`);
    assert.ok(i.addresses.every((a) => typeof a === 'string' && a.includes('/')));
    assert.ok(i.flags.every((f) => typeof f === 'string'));
    assert.ok(i.master === null || typeof i.master === 'string');
    assert.equal(i.peer, null);
  }
  for (const r of buildRoutes(parsed.batch)) {
    assert.equal(typeof r.dst, 'string');
    assert.ok(r.family === 'ipv4' || r.family === 'ipv6');
  }
  for (const [nsid, name] of buildNsidNames(parsed.batch)) assert.ok(Number.isFinite(nsid) && typeof name === 'string');
  JSON.stringify(interfaces); // the model must serialise (the CLI prints it)
}

/** Objects shaped like ip's, with fields of the wrong type, prototype keys, and huge or odd numbers. */
const fieldValue = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'veth', 'bridge', 'loopback', 'ether'),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);
const linkArb = fc.record(
  {
    ifindex: fieldValue,
    ifname: fieldValue,
    link_type: fieldValue,
    flags: fieldValue,
    mtu: fieldValue,
    operstate: fieldValue,
    address: fieldValue,
    master: fieldValue,
    link_index: fieldValue,
    link_netnsid: fieldValue,
    parentbus: fieldValue,
    linkinfo: fc.oneof(fieldValue, fc.record({ info_kind: fieldValue }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const addrArb = fc.record(
  {
    ifindex: fieldValue,
    addr_info: fc.oneof(
      fieldValue,
      fc.array(fc.record({ family: fieldValue, local: fieldValue, prefixlen: fieldValue }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
    ),
  },
  { requiredKeys: [] },
);
const routeArb = fc.record(
  {
    dst: fieldValue,
    gateway: fieldValue,
    dev: fieldValue,
    table: fieldValue,
    type: fieldValue,
    metric: fieldValue,
    pref: fieldValue,
  },
  { requiredKeys: [] },
);
const nsidArb = fc.record({ nsid: fieldValue, name: fieldValue }, { requiredKeys: [] });
const batchArb = fc
  .tuple(
    fc.array(linkArb, { maxLength: 5 }),
    fc.array(addrArb, { maxLength: 4 }),
    fc.array(routeArb, { maxLength: 4 }),
    fc.array(nsidArb, { maxLength: 3 }),
    fc.nat(4),
  )
  .map(([links, addrs, routes, nsids, keep]) =>
    [links, addrs, routes, nsids]
      .slice(0, keep)
      .map((a) => JSON.stringify(a))
      .join('\n'),
  );

describe('fuzz: ip -j batch parser', () => {
  it('any text: ok or an error message, never a throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), checkIp), fuzzParams(0x1f01, 5000));
  });

  it('any JSON values in any order: never a throw, and built interfaces are well typed', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), (values) => {
        checkIp(values.map((v) => JSON.stringify(v)).join(''));
      }),
      fuzzParams(0x1f02, 3000),
    );
  });

  it('ip-shaped batches with wrong-typed fields and prototype names (constructor, __proto__) as kinds', () => {
    fc.assert(fc.property(batchArb, checkIp), fuzzParams(0x1f03, 1500));
  });

  it('recorded lab output, mutated (truncated, characters inserted and deleted, lines dropped or swapped)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...recordings), mutationsArb(), (r, ms) => {
        checkIp(mutate(r.text, ms));
      }),
      fuzzParams(0x1f04, 2000),
    );
  });

  it('splitJsonArrays: a truncated recording reports truncation, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...recordings), fc.nat(), (r, cut) => {
        const text = r.text.trimEnd();
        const at = cut % text.length;
        const { error } = splitJsonArrays(text.slice(0, at));
        if (at > 0 && text.slice(0, at).trim() !== '' && !/\]\s*$/.test(text.slice(0, at)))
          assert.ok(error !== null, `cut at ${at} is noticed`);
      }),
      fuzzParams(0x1f05, 2000),
    );
  });
});
