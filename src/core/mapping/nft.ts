// Port mappings in namespaces whose NAT lives in native nftables (Docker 29's nftables backend, Netavark, firewalld):
// there, the rules go in a table of our own (`ip netns-explorer` / `ip6 netns-explorer`), written with one `nft -f`
// transaction and deleted by handle; no iptables rule is written into such a namespace. docs/NFTABLES.md has the why.
import type { IptablesDump } from '../iptables/types';
import type { Listener } from '../listeners';
import type { Family } from '../model';
import { isLoopback } from '../net/address';
import { nftMappings } from '../nft/mappings';
import { iptablesTableKey } from '../nft/parse';
import type { NftRuleset, NftTable } from '../nft/types';
import { listenerConflicts, mappingConflicts } from './conflicts';
import { HOOK_COMMENT, mappingComment, mappingTitle, specFromComment } from './rules';
import type { ChainContents, MappingConflict, MappingPlan, MappingSelector, MappingSpec } from './types';
import { anyAddress } from './validate';

/** The name of our table, in the `ip` or `ip6` family. */
export const OWN_NFT_TABLE = 'netns-explorer';

export const nftFamily = (family: Family): 'ip' | 'ip6' => (family === 'ipv4' ? 'ip' : 'ip6');
export const ownTableKey = (family: Family): string => `${nftFamily(family)} ${OWN_NFT_TABLE}`;

/**
 * Our chains, as Docker 29 lays out its own: one regular chain holds every mapping's DNAT, and the prerouting and
 * output base chains jump to it for local destinations (output leaving loopback alone); postrouting holds the hairpin
 * masquerades.
 */
const CHAINS = [
  { name: 'mappings', spec: null },
  { name: 'prerouting', spec: 'type nat hook prerouting priority dstnat; policy accept;' },
  { name: 'output', spec: 'type nat hook output priority -100; policy accept;' },
  { name: 'postrouting', spec: 'type nat hook postrouting priority srcnat; policy accept;' },
] as const;

/** The comment of the two jumps into `mappings`. */
const HOOK_TAG = `comment ${JSON.stringify(HOOK_COMMENT)}`;

function hookRules(family: Family): { chain: string; rule: string }[] {
  const f = nftFamily(family);
  const loopback = family === 'ipv4' ? '127.0.0.0/8' : '::1';
  return [
    { chain: 'prerouting', rule: `fib daddr type local jump mappings ${HOOK_TAG}` },
    { chain: 'output', rule: `${f} daddr != ${loopback} fib daddr type local jump mappings ${HOOK_TAG}` },
  ];
}

/** The tables of the dump nft lists itself, not the ones iptables-nft wrote (which the iptables dump shows). */
export function nativeTables(
  ruleset: NftRuleset,
  iptables: IptablesDump | null,
  family: Family,
  nfTables: boolean,
): NftTable[] {
  const own = new Set(nfTables && iptables ? iptables.tables.map((t) => iptablesTableKey(family, t.name)) : []);
  return ruleset.tables.filter((t) => !own.has(t.key));
}

/**
 * Where a mapping of `family` goes: into nft when iptables holds no nat table of that family and a native table does
 * NAT at prerouting (our own table from an earlier mapping counts); into iptables otherwise, as before.
 */
export function natBackend(
  iptables: IptablesDump | null,
  native: readonly NftTable[],
  family: Family,
): 'iptables' | 'nft' {
  if (iptables?.tables.some((t) => t.name === 'nat')) return 'iptables';
  const sees = (t: NftTable) => t.family === 'inet' || t.family === nftFamily(family);
  const natHere = native.some(
    (t) => sees(t) && t.chains.some((c) => c.base?.type === 'nat' && c.base.hook === 'prerouting'),
  );
  return natHere ? 'nft' : 'iptables';
}

function endpointText(ip: string, port: number, family: Family): string {
  return family === 'ipv6' ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The rules of one mapping in our table, in nft syntax, chain by chain. */
export function nftMappingRules(spec: MappingSpec): { chain: string; rule: string }[] {
  const f = nftFamily(spec.family);
  const tag = `comment ${JSON.stringify(mappingComment(spec))}`;
  const to = endpointText(spec.targetIp, spec.targetPort, spec.family);
  const bound = spec.hostIp === null ? '' : `${f} daddr ${spec.hostIp} `;
  return [
    { chain: 'mappings', rule: `${bound}${spec.protocol} dport ${spec.hostPort} dnat to ${to} ${tag}` },
    {
      chain: 'postrouting',
      rule: `${f} saddr ${spec.targetIp} ${f} daddr ${spec.targetIp} ${spec.protocol} dport ${spec.targetPort} masquerade ${tag}`,
    },
  ];
}

/** Our table's chains as they are: chain → rule texts (null when absent), the plan's `before`. */
export function ownContents(ruleset: NftRuleset, family: Family): ChainContents {
  const key = ownTableKey(family);
  const table = ruleset.tables.find((t) => t.key === key);
  const chains: Record<string, string[] | null> = {};
  for (const c of CHAINS)
    chains[c.name] = table?.chains.find((x) => x.name === c.name)?.rules.map((r) => r.text) ?? null;
  return { [key]: chains };
}

/** The mappings of ours in the table, read back from their tagging comments. */
export function ownNftMappings(ruleset: NftRuleset, family: Family): MappingSpec[] {
  const table = ruleset.tables.find((t) => t.key === ownTableKey(family));
  const out = new Map<string, MappingSpec>();
  for (const r of table?.chains.flatMap((c) => c.rules) ?? []) {
    const spec = specFromComment(r.comment);
    if (spec && spec.family === family) out.set(mappingTitle(spec), spec);
  }
  return [...out.values()];
}

export type NftPlanned = { ok: true; plan: MappingPlan } | { ok: false; conflicts: MappingConflict[]; error: string };

/**
 * Adds `spec` to our table: the table and chains are declared (a no-op when they exist) and the rules appended, in one
 * transaction. Refused when any native mapping or a listener already holds the port, or for 127.0.0.1 (whose
 * martian guard this backend does not write yet).
 */
export function planNftAdd(
  ruleset: NftRuleset,
  native: readonly NftTable[],
  spec: MappingSpec,
  listeners: readonly Listener[],
  localAddresses: readonly string[] | null,
): NftPlanned {
  if (spec.hostIp !== null && isLoopback(spec.hostIp)) {
    const error = `this namespace's NAT is in nftables, where a mapping bound to ${spec.hostIp} is not supported yet; bind it to another address`;
    return { ok: false, conflicts: [], error };
  }
  const taken = nftMappings(native, 'ns').filter((m) => m.family === spec.family);
  const conflicts = [...mappingConflicts(taken, spec, localAddresses), ...listenerConflicts(listeners, spec)];
  if (conflicts.length) return { ok: false, conflicts, error: conflicts.map((c) => c.message).join('; ') };
  const table = ownTableKey(spec.family);
  const current = ruleset.tables.find((t) => t.key === table);
  // The jumps into `mappings` go in once, with the table; every mapping after that only appends its own rules.
  const hooked = (chain: string) =>
    current?.chains.find((c) => c.name === chain)?.rules.some((r) => r.comment === HOOK_COMMENT) ?? false;
  const script = [
    `add table ${table}`,
    ...CHAINS.map((c) => `add chain ${table} ${c.name}${c.spec ? ` { ${c.spec} }` : ''}`),
    ...hookRules(spec.family)
      .filter((h) => !hooked(h.chain))
      .map((h) => `add rule ${table} ${h.chain} ${h.rule}`),
    ...nftMappingRules(spec).map((r) => `add rule ${table} ${r.chain} ${r.rule}`),
  ];
  return { ok: true, plan: nftPlan('add', spec, ruleset, script) };
}

function nftPlan(kind: 'add' | 'remove', spec: MappingSpec, ruleset: NftRuleset, script: string[]): MappingPlan {
  return {
    kind,
    family: spec.family,
    title: mappingTitle(spec),
    owner: 'netns-explorer',
    ops: [],
    before: ownContents(ruleset, spec.family),
    spec,
    needsRouteLocalnet: false,
    nft: `${script.join('\n')}\n`,
  };
}

/** Our mapping the selector names, if any. */
export function findOwnNftMapping(ruleset: NftRuleset, selector: MappingSelector): MappingSpec | null {
  return (
    ownNftMappings(ruleset, selector.family).find(
      (s) =>
        s.protocol === selector.protocol &&
        s.hostPort === selector.hostPort &&
        (selector.hostIp === undefined ||
          (s.hostIp ?? anyAddress(s.family)) === (selector.hostIp ?? anyAddress(s.family))),
    ) ?? null
  );
}

/**
 * Deletes our rules of `spec` by handle; when they are the table's last rules the table goes instead, so the ruleset
 * is what it was before the first mapping.
 */
export function planNftRemove(ruleset: NftRuleset, spec: MappingSpec): MappingPlan | null {
  const key = ownTableKey(spec.family);
  const table = ruleset.tables.find((t) => t.key === key);
  if (!table) return null;
  const comment = mappingComment(spec);
  const mine = table.chains.flatMap((c) => c.rules.filter((r) => r.comment === comment).map((r) => ({ c, r })));
  if (mine.length === 0) return null;
  // Other mappings' rules, and anything not ours, keep the table; our hooks alone do not.
  const others = table.chains
    .flatMap((c) => c.rules)
    .filter((r) => r.comment !== comment && r.comment !== HOOK_COMMENT);
  const script =
    others.length === 0 && table.sets.length === 0
      ? [`delete table ${key}`]
      : mine.map(({ c, r }) => `delete rule ${key} ${c.name} handle ${r.handle}`);
  return nftPlan('remove', spec, ruleset, script);
}

/**
 * What verification expects of our table after a plan: the rules of `spec` present once per chain (add) or gone
 * (remove), every other rule of ours as before. The list of what differs; empty when it holds.
 */
export function verifyNft(plan: MappingPlan, after: NftRuleset): string[] {
  const spec = plan.spec;
  if (!spec) return ['the plan names no mapping'];
  if (plan.nft?.startsWith('delete table')) return verifyNftDeletions(plan, after);
  const key = ownTableKey(spec.family);
  const comment = mappingComment(spec);
  const table = after.tables.find((t) => t.key === key);
  const problems: string[] = [];
  const before = plan.before[key] ?? {};
  for (const c of CHAINS) {
    const rules = table?.chains.find((x) => x.name === c.name)?.rules ?? [];
    const ours = rules.filter((r) => r.comment === comment).length;
    const want = plan.kind === 'add' && (c.name === 'mappings' || c.name === 'postrouting') ? 1 : 0;
    if (ours !== want) problems.push(`${key} ${c.name} has ${ours} rule(s) of ${plan.title}, expected ${want}`);
    // Every other rule as before; a chain first made by this plan now holds its jump into `mappings`.
    const kept = (before[c.name] ?? []).filter((t) => !t.includes(JSON.stringify(comment)));
    const now = rules.filter((r) => r.comment !== comment).map((r) => r.text);
    const added = before[c.name] == null ? now.filter((t) => t.includes(JSON.stringify(HOOK_COMMENT))) : [];
    if (JSON.stringify([...kept, ...added]) !== JSON.stringify(now))
      problems.push(`other rules of ${key} ${c.name} changed`);
  }
  return problems;
}

/**
 * Removes what a run of Netns Explorer left in our table: the selected mappings, and with `orphans` any rule of ours
 * whose comment names no mapping. Null when there is nothing to remove.
 */
export function planNftCleanup(
  ruleset: NftRuleset,
  family: Family,
  selection: { orphans: boolean; mappings: 'all' | readonly string[] },
): MappingPlan | null {
  const key = ownTableKey(family);
  const table = ruleset.tables.find((t) => t.key === key);
  if (!table) return null;
  const rules = table.chains
    .flatMap((c) => c.rules.map((r) => ({ c, r, spec: specFromComment(r.comment) })))
    .filter(({ r }) => r.comment !== HOOK_COMMENT);
  const doomed = rules.filter(({ spec }) =>
    spec === null ? selection.orphans : selection.mappings === 'all' || selection.mappings.includes(mappingTitle(spec)),
  );
  if (doomed.length === 0 && !(selection.orphans && rules.length === 0)) return null;
  const script =
    doomed.length === rules.length && table.sets.length === 0
      ? [`delete table ${key}`]
      : doomed.map(({ c, r }) => `delete rule ${key} ${c.name} handle ${r.handle}`);
  const titles = new Set(doomed.flatMap(({ spec }) => (spec ? [mappingTitle(spec)] : [])));
  return {
    kind: 'remove',
    family,
    title: `leftovers of Netns Explorer in ${key}: ${titles.size} port mapping${titles.size === 1 ? '' : 's'}`,
    owner: 'netns-explorer',
    ops: [],
    before: ownContents(ruleset, family),
    spec: null,
    needsRouteLocalnet: false,
    nft: `${script.join('\n')}\n`,
  };
}

/** For a plan of deletions only (a cleanup): what it deletes is gone. The list of what is not. */
export function verifyNftDeletions(plan: MappingPlan, after: NftRuleset): string[] {
  const problems: string[] = [];
  for (const line of (plan.nft ?? '').split('\n')) {
    const table = /^delete table (\S+ \S+)$/.exec(line);
    if (table && after.tables.some((t) => t.key === table[1])) problems.push(`${table[1]} is still there`);
    const rule = /^delete rule (\S+ \S+) (\S+) handle (\d+)$/.exec(line);
    const left = rule && after.tables.find((t) => t.key === rule[1])?.chains.find((c) => c.name === rule[2]);
    if (rule && left?.rules.some((r) => r.handle === Number(rule[3])))
      problems.push(`rule ${rule[3]} of ${rule[1]} ${rule[2]} is still there`);
  }
  return problems;
}
