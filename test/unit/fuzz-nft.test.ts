// Property tests of the nft JSON reader and everything that reads its model: random JSON, and the lab's real `nft -j`
// dumps with random parts replaced, never make the parser, the printer, the explanations, the port mappings or the
// trace's walk throw.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Family } from '../../src/core/model';
import { explainNftRule } from '../../src/core/nft/explain';
import { nftMappings } from '../../src/core/nft/mappings';
import { parseNftJson } from '../../src/core/nft/parse';
import type { NftJson } from '../../src/core/nft/types';
import { nftRules } from '../../src/core/rules/nft';
import type { NftRuleSet } from '../../src/core/rules/types';
import type { WalkContext } from '../../src/core/trace/chains';
import type { Packet } from '../../src/core/trace/packet';
import { FIXTURES, fuzzParams } from './fuzz-config';

const dumps = readdirSync(join(FIXTURES, 'nft'))
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((n) => JSON.parse(readFileSync(join(FIXTURES, 'nft', n), 'utf8')) as NftJson);

const HOOKS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** Everything downstream of the parser, over one dump: it must return, whatever the dump holds. */
function readAll(text: string): void {
  const { ruleset, diagnostics } = parseNftJson(text);
  for (const d of diagnostics) assert.ok(typeof d.message === 'string' && d.message.length > 0);
  const set: NftRuleSet = { namespace: '1', family: 'all', source: 'nft', ruleCount: 0, ruleset };
  nftMappings(ruleset.tables, '1');
  nftRules.text(set, ['fuzz']);
  for (const t of ruleset.tables) {
    const sets = new Map(t.sets.map((s) => [s.name, s]));
    for (const c of t.chains) {
      nftRules.chainPaths(set, t.key, c.name);
      for (const r of c.rules) {
        assert.equal(typeof explainNftRule(r, { sets }), 'string');
        nftRules.details(set, { table: t.key, chain: c.name, index: r.index }, {});
      }
    }
  }
  nftRules.sourceNatOn(set, 'eth0', ['10.0.0.1/24', 'fd00::1/64']);
  for (const family of ['ipv4', 'ipv6'] as Family[]) {
    for (const hook of HOOKS) {
      const p: Packet = {
        family,
        protocol: 'tcp',
        src: family === 'ipv4' ? '198.19.0.2' : 'fd00::2',
        sport: 40000,
        dst: family === 'ipv4' ? '10.96.0.10' : 'fd00::10',
        dport: 80,
        inIface: 'eth0',
        outIface: 'br0',
        ctstate: 'NEW',
        mark: 0,
        bridged: null,
      };
      const ctx: WalkContext = {
        namespace: '1',
        family,
        env: { addresses: ['10.0.0.1/24'], hook },
        ifaceAddress: () => '10.0.0.1',
        choose: (_where, probability) => probability >= 0.5,
        steps: [],
        visits: [],
        nat: [],
      };
      for (const chain of nftRules.hookChains([set], hook, family)) chain.run(ctx, p);
    }
  }
}

/** Every node of a JSON document, by path, so a mutation can pick one. */
function paths(v: NftJson, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k] as NftJson, [...at, k], out);
  return out;
}

function replaced(doc: NftJson, path: (string | number)[], value: NftJson | undefined): NftJson {
  if (path.length === 0) return value ?? null;
  const copy = JSON.parse(JSON.stringify(doc)) as NftJson;
  let node = copy as Record<string | number, NftJson>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, NftJson>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** The values nft's expressions are made of, and some that are not. */
const valueArb: fc.Arbitrary<NftJson> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<NftJson>,
  fc.constantFrom<NftJson>(
    '@missing',
    { set: [] },
    { concat: [] },
    { range: [] },
    { prefix: { addr: 'x', len: 99 } },
    { numgen: { mode: 'random', mod: 0 } },
    { jump: { target: 'nope' } },
    { goto: null },
    { vmap: { key: null, data: '@nope' } },
    { dnat: { addr: { map: {} }, port: 'x' } },
    { '&': [1] },
    [],
    -1,
    1e308,
  ),
);

describe('nft JSON under fuzz', () => {
  it('random text and random JSON never make the reader throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (s) => {
        readAll(s);
      }),
      fuzzParams(0x2f01, 2000),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        readAll(JSON.stringify({ nftables: Array.isArray(v) ? v : [v] }));
      }),
      fuzzParams(0x2f02, 2000),
    );
  });

  it("the lab's real dumps with parts replaced or removed never make the reader, views or trace throw", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: dumps.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.option(valueArb, { nil: undefined })), { minLength: 1, maxLength: 4 }),
        (which, changes) => {
          let doc = dumps[which] as NftJson;
          for (const [at, value] of changes) {
            const all = paths(doc);
            doc = replaced(doc, all[at % all.length] ?? [], value);
          }
          readAll(JSON.stringify(doc));
        },
      ),
      fuzzParams(0x2f03, 1500),
    );
  });
});
