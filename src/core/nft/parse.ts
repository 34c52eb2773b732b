// Reads `nft -j list ruleset` into the model (types.ts). Never throws: whatever is malformed becomes a diagnostic and
// the rest is kept.
import type { Counters, ParseDiagnostic } from '../iptables/types';
import type { Family } from '../model';
import { isObj, kindOf, num, printRule, str } from './print';
import type { NftChain, NftFamily, NftJson, NftRule, NftRuleset, NftSet, NftTable } from './types';

const FAMILIES: ReadonlySet<string> = new Set<NftFamily>(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

/**
 * The cheap first read: every chain of every table, without rules (13 ms where `list ruleset` takes 1.1 s, on 20,000
 * iptables-nft rules). It tells the native tables from iptables-nft's, and only those are then listed in full.
 */
export const NFT_CHAINS_ARGV: readonly string[] = ['nft', '-j', 'list', 'chains'];

export const nftTableArgv = (family: string, name: string): string[] => ['nft', '-j', 'list', 'table', family, name];

const IPTABLES_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/**
 * The tables of a `list chains` answer that nft alone shows: all but the ones shaped like iptables-nft's (an ip/ip6
 * table named as an iptables table whose base chains are named by their hook in capitals, as iptables-nft makes
 * them). Null when the answer cannot be read.
 */
export function nativeTablesOf(chainsText: string): { family: string; name: string }[] | null {
  const read = readItems(chainsText);
  if ('error' in read) return null;
  const items = read.items;
  const tables = new Map<string, { family: string; name: string; iptablesShaped: boolean }>();
  for (const item of items) {
    const k = kindOf(item);
    if (k === null || k[0] !== 'chain' || !isObj(k[1])) continue;
    const family = str(k[1].family);
    const name = str(k[1].table);
    if (family === null || name === null || !FAMILIES.has(family)) continue;
    const key = tableKey(family, name);
    const t = tables.get(key) ?? {
      family,
      name,
      iptablesShaped: (family === 'ip' || family === 'ip6') && IPTABLES_TABLES.has(name),
    };
    const hook = str(k[1].hook);
    if (hook !== null && str(k[1].name) !== hook.toUpperCase()) t.iptablesShaped = false;
    tables.set(key, t);
  }
  return [...tables.values()].filter((t) => !t.iptablesShaped).map(({ family, name }) => ({ family, name }));
}

/** Several `nft -j list table` answers as one document, as `list ruleset` would print those tables. */
export function mergeNftJson(texts: readonly string[]): string {
  const items: NftJson[] = [];
  for (const text of texts) {
    const read = readItems(text);
    for (const item of 'items' in read ? read.items : []) {
      if (kindOf(item)?.[0] === 'metainfo' && items.length > 0) continue;
      items.push(item);
    }
  }
  return JSON.stringify({ nftables: items });
}

/** The `nftables` array of nft's JSON, or why there is none. */
function readItems(text: string): { items: NftJson[] } | { error: string } {
  let doc: NftJson;
  try {
    doc = JSON.parse(text) as NftJson;
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  return isObj(doc) && Array.isArray(doc.nftables) ? { items: doc.nftables } : { error: 'no "nftables" array' };
}

/** How a table iptables-nft writes is keyed in nft: `ip nat` for iptables' nat, `ip6 nat` for ip6tables'. */
export const iptablesTableKey = (family: Family, table: string): string =>
  tableKey(family === 'ipv4' ? 'ip' : 'ip6', table);

export const tableKey = (family: string, name: string): string => `${family} ${name}`;

function stringList(v: NftJson | undefined): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const isCount = (v: NftJson | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The counters of a rule's `counter` statements, summed; null without one. */
function countersOf(expr: readonly NftJson[]): Counters | null {
  let found = false;
  let packets = 0n;
  let bytes = 0n;
  for (const s of expr) {
    const k = kindOf(s);
    if (k === null || k[0] !== 'counter' || !isObj(k[1])) continue;
    const p = k[1].packets;
    const b = k[1].bytes;
    if (!isCount(p) || !isCount(b)) continue;
    found = true;
    // JSON numbers past 2^53 arrive rounded: such counters are off in their last digits (docs/NFTABLES.md).
    packets += BigInt(Math.trunc(p));
    bytes += BigInt(Math.trunc(b));
  }
  return found ? { packets: packets.toString(), bytes: bytes.toString() } : null;
}

function readSet(kind: 'set' | 'map', b: { [key: string]: NftJson }): NftSet {
  const dataType = kind === 'map' ? stringList(b.map) : null;
  const elements: NftSet['elements'] = [];
  const elem = Array.isArray(b.elem) ? b.elem : [];
  for (const e of elem) {
    // A map's element is [key, data]; a set's is the key (or {"elem": {"val": …}} with options).
    if (kind === 'map' && Array.isArray(e) && e.length === 2) elements.push({ key: e[0] ?? null, data: e[1] ?? null });
    else elements.push({ key: e, data: null });
  }
  return {
    name: str(b.name) ?? '?',
    kind: kind === 'set' ? 'set' : dataType?.[0] === 'verdict' ? 'vmap' : 'map',
    keyType: stringList(b.type),
    dataType,
    flags: stringList(b.flags),
    elements,
  };
}

export interface NftParse {
  ruleset: NftRuleset;
  diagnostics: ParseDiagnostic[];
}

export function parseNftJson(text: string): NftParse {
  const diagnostics: ParseDiagnostic[] = [];
  const ruleset: NftRuleset = { tables: [], version: null };
  if (text.trim() === '') return { ruleset, diagnostics };
  const read = readItems(text);
  if ('error' in read) {
    diagnostics.push({ line: 1, message: read.error });
    return { ruleset, diagnostics };
  }
  const items = read.items;
  const tables = new Map<string, NftTable>();
  const chains = new Map<string, NftChain>();
  const bad = (i: number, what: string) => diagnostics.push({ line: 1, message: `item ${i + 1}: ${what}` });
  items.forEach((item, i) => {
    const k = kindOf(item);
    if (k === null || !isObj(k[1])) {
      bad(i, 'not an object with one key');
      return;
    }
    const [kind, b] = k;
    if (kind === 'metainfo') {
      ruleset.version = str(b.version);
      return;
    }
    const family = str(b.family) ?? '';
    if (!FAMILIES.has(family)) {
      bad(i, `unknown family ${JSON.stringify(b.family ?? null)}`);
      return;
    }
    const tableName = kind === 'table' ? str(b.name) : str(b.table);
    if (tableName === null) {
      bad(i, `${kind} without a table name`);
      return;
    }
    const key = tableKey(family, tableName);
    if (kind === 'table') {
      const t: NftTable = {
        family: family as NftFamily,
        name: tableName,
        key,
        handle: num(b.handle) ?? 0,
        chains: [],
        sets: [],
        iptables: false,
      };
      tables.set(key, t);
      ruleset.tables.push(t);
      return;
    }
    const table = tables.get(key);
    if (table === undefined) {
      bad(i, `${kind} in table ${key}, which was not listed before it`);
      return;
    }
    if (kind === 'chain') {
      const name = str(b.name);
      if (name === null) return bad(i, 'chain without a name');
      const hook = str(b.hook);
      const chain: NftChain = {
        name,
        handle: num(b.handle) ?? 0,
        base:
          hook === null
            ? null
            : {
                type: str(b.type) ?? 'filter',
                hook,
                priority: num(b.prio) ?? 0,
                policy: str(b.policy) ?? 'accept',
                device: str(b.dev),
              },
        rules: [],
      };
      table.chains.push(chain);
      chains.set(`${key}\0${name}`, chain);
    } else if (kind === 'rule') {
      const chain = chains.get(`${key}\0${str(b.chain) ?? ''}`);
      if (chain === undefined)
        return bad(i, `rule in chain ${JSON.stringify(b.chain ?? null)} of ${key}, not listed before it`);
      const expr = Array.isArray(b.expr) ? b.expr : [];
      const comment = str(b.comment);
      const rule: NftRule = {
        table: key,
        chain: chain.name,
        index: chain.rules.length,
        handle: num(b.handle) ?? 0,
        expr,
        comment,
        counters: countersOf(expr),
        text: printRule(expr, comment),
      };
      chain.rules.push(rule);
    } else if (kind === 'set' || kind === 'map') {
      table.sets.push(readSet(kind, b));
    }
    // Other objects (flowtables, named counters, quotas, ct helpers, limits) are not rules: not shown yet.
  });
  return { ruleset, diagnostics };
}
