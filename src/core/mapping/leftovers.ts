// Finds what Netns Explorer left in a namespace's rules after its process died: its port mappings, and the orphaned
// hooks, chains and rules no mapping needs.
import { OWN_COMMENT_PREFIX } from '../explain/owner';
import type { Chain, Rule, Table } from '../iptables/types';
import type { Family, NamespaceId, Snapshot } from '../model';
import { ruleSpec } from './chainEdits';
import { HOOK_COMMENT, OWN_CHAINS, mappingComment, mappingRules, mappingTitle, specFromComment } from './rules';
import { RULE_TABLES, type MappingSpec, type RuleTable } from './types';
import { isIptablesSet } from '../rules/iptables';
import { ownNftMappings } from './nft';

/**
 * One of our mappings still in force: its DNAT rule sits in our DNAT chain and something jumps to that chain.
 * Such a mapping may have been made on purpose, so it is listed, never removed unasked.
 */
export interface FoundMapping {
  spec: MappingSpec;
  /** `tcp 0.0.0.0:18080 -> 172.31.240.2:80`, as the tagging comment says. */
  title: string;
  /** Every rule in our chains tagged with this mapping. */
  rules: Rule[];
  /** What a complete mapping has and this one lacks: `-A CHAIN rule` lines, or `CHAIN is not reached`. */
  missing: string[];
}

/**
 * - `hook-without-chain`: a hook of ours jumping to a chain of ours that does not exist (iptables refuses
 *   to make one; a dump edited by hand, or another tool's rewrite, can still hold it).
 * - `empty-chain`: a chain of ours with no rules, with the hooks into it.
 * - `unhooked-chain`: a chain of ours that nothing jumps to: every rule of ours in it is dead.
 * - `stray-rules`: rules of ours in a reached chain that belong to no mapping in force (their DNAT rule is gone).
 */
export type OrphanKind = 'hook-without-chain' | 'empty-chain' | 'unhooked-chain' | 'stray-rules';

export interface Orphan {
  kind: OrphanKind;
  table: RuleTable;
  /** The chain of ours concerned; for `hook-without-chain`, the missing chain the hook names. */
  chain: string;
  /** The rules cleaning it up deletes (the hooks into an empty chain, the rules of ours in an unhooked one…). */
  rules: Rule[];
  /** One plain sentence. */
  description: string;
}

export interface Leftovers {
  mappings: FoundMapping[];
  orphans: Orphan[];
}

export interface NamespaceLeftovers extends Leftovers {
  namespace: NamespaceId;
  family: Family;
}

const OWN_NAMES: Record<RuleTable, Set<string>> = { raw: new Set(), nat: new Set(), filter: new Set() };
for (const own of Object.values(OWN_CHAINS)) OWN_NAMES[own.table].add(own.chain);

/**
 * A hook of ours: our exact hook comment on a jump to one of our chains, from a chain not ours. A
 * look-alike (our comment on a jump to NETNS-EXPLORERX, or to Docker's chain) is not, and is never touched.
 */
export function isOwnHook(rule: Rule, table: RuleTable): boolean {
  const target = rule.target?.name;
  return (
    rule.comment === HOOK_COMMENT &&
    target !== undefined &&
    OWN_NAMES[table].has(target) &&
    !OWN_NAMES[table].has(rule.chain)
  );
}

/** A rule of ours inside one of our chains: tagged with our comment prefix. Only these are ever deleted from them. */
function isOwnRule(rule: Rule): boolean {
  return rule.comment !== null && rule.comment.startsWith(`${OWN_COMMENT_PREFIX} `);
}

/** Rules elsewhere in the table jumping (or going) to `chain`. */
function jumpsTo(table: Table, chain: string): Rule[] {
  return table.chains.flatMap((c) => (c.name === chain ? [] : c.rules.filter((r) => r.target?.name === chain)));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Our mappings and orphans in one namespace's rules of one family (the tables of an iptables-save dump). */
export function findLeftoversIn(tables: readonly Table[], family: Family): Leftovers {
  const table = (name: RuleTable) => tables.find((t) => t.name === name);
  const ownChain = (name: RuleTable, chain: string): Chain | undefined =>
    table(name)?.chains.find((c) => c.name === chain);

  // Mappings in force: a DNAT rule of ours in our DNAT chain, which something jumps to.
  const nat = table('nat');
  const dnat = ownChain('nat', OWN_CHAINS.dnat.chain);
  const inForce = new Map<string, MappingSpec>();
  if (nat && dnat && jumpsTo(nat, dnat.name).length) {
    for (const rule of dnat.rules) {
      const spec = specFromComment(rule.comment);
      if (spec && spec.family === family && rule.target?.name === 'DNAT') inForce.set(mappingTitle(spec), spec);
    }
  }
  const titleOf = (rule: Rule) => {
    const spec = specFromComment(rule.comment);
    return spec ? mappingTitle(spec) : null;
  };

  const mappings: FoundMapping[] = [...inForce.entries()].map(([title, spec]) => {
    const comment = mappingComment(spec);
    const rules = Object.values(OWN_CHAINS).flatMap(
      (own) => ownChain(own.table, own.chain)?.rules.filter((r) => r.comment === comment) ?? [],
    );
    const missing: string[] = [];
    for (const expected of mappingRules(spec)) {
      const chain = ownChain(expected.table, expected.chain);
      if (!chain?.rules.some((r) => ruleSpec(r) === expected.rule))
        missing.push(`-A ${expected.chain} ${expected.rule}`);
    }
    for (const own of Object.values(OWN_CHAINS)) {
      const t = table(own.table);
      if (t && ownChain(own.table, own.chain) && jumpsTo(t, own.chain).length === 0)
        missing.push(`${own.chain} is not reached`);
    }
    return { spec, title, rules, missing };
  });

  const orphans: Orphan[] = [];
  for (const own of Object.values(OWN_CHAINS)) {
    const t = table(own.table);
    const chain = ownChain(own.table, own.chain);
    if (!t || !chain) continue;
    const jumps = jumpsTo(t, chain.name);
    const hooks = jumps.filter((r) => isOwnHook(r, own.table));
    // Someone else jumps to it: it is in use by them, and cannot be deleted while they do.
    const foreignJumps = jumps.length - hooks.length;
    const ours = chain.rules.filter(isOwnRule);
    if (chain.rules.length === 0) {
      if (foreignJumps === 0) {
        const from = hooks.map((h) => h.chain).join(', ');
        orphans.push({
          kind: 'empty-chain',
          table: own.table,
          chain: chain.name,
          rules: hooks,
          description: `${own.table} ${chain.name} is empty${from ? `; the jump from ${from} leads nowhere` : ' and not reached'}`,
        });
      }
    } else if (jumps.length === 0) {
      if (ours.length)
        orphans.push({
          kind: 'unhooked-chain',
          table: own.table,
          chain: chain.name,
          rules: ours,
          description: `${own.table} ${chain.name} holds ${plural(ours.length, 'rule')} of Netns Explorer, but nothing jumps to it`,
        });
    } else {
      const strays = ours.filter((r) => {
        const title = titleOf(r);
        return title === null || !inForce.has(title);
      });
      if (strays.length)
        orphans.push({
          kind: 'stray-rules',
          table: own.table,
          chain: chain.name,
          rules: strays,
          description: `${plural(strays.length, 'rule')} in ${own.table} ${chain.name} belong to no port mapping in force (its DNAT rule is gone)`,
        });
    }
  }
  for (const tableName of RULE_TABLES) {
    const t = table(tableName);
    for (const rule of t?.chains.flatMap((c) => c.rules) ?? []) {
      const target = rule.target?.name ?? '';
      if (isOwnHook(rule, tableName) && !ownChain(tableName, target)) {
        orphans.push({
          kind: 'hook-without-chain',
          table: tableName,
          chain: target,
          rules: [rule],
          description: `${tableName} ${rule.chain} jumps to ${target}, which does not exist`,
        });
      }
    }
  }
  return { mappings, orphans };
}

/**
 * Our leftovers in every namespace and family of a snapshot, only where there are some. Only the rule sets
 * of `iptables-save`/`ip6tables-save` count: the legacy backend's are never written by us.
 */
export function findLeftovers(snapshot: Pick<Snapshot, 'nat'>): NamespaceLeftovers[] {
  const out: NamespaceLeftovers[] = [];
  for (const set of snapshot.nat) {
    if (!isIptablesSet(set)) {
      // Our nft table, in a namespace whose NAT is nftables: its mappings are listed like the iptables ones.
      for (const family of ['ipv4', 'ipv6'] as const) {
        const mappings = ownNftMappings(set.ruleset, family).map((spec) => ({
          spec,
          title: mappingTitle(spec),
          rules: [],
          missing: [],
        }));
        if (mappings.length) out.push({ namespace: set.namespace, family, mappings, orphans: [] });
      }
      continue;
    }
    if (set.source !== (set.family === 'ipv4' ? 'iptables-save' : 'ip6tables-save')) continue;
    const found = findLeftoversIn(set.tables, set.family);
    if (found.mappings.length || found.orphans.length)
      out.push({ namespace: set.namespace, family: set.family, ...found });
  }
  return out;
}

/** A mapping's identity across restarts (while its namespace lives), for remembering the user said "Keep". */
export function leftoverKey(namespace: NamespaceId, family: Family, title: string): string {
  return `${namespace}/${family}/${title}`;
}

/** Whether anything found calls for the user: any orphan, or a mapping not in `kept`. */
export function needsAttention(found: readonly NamespaceLeftovers[], kept: ReadonlySet<string>): boolean {
  return found.some(
    (f) => f.orphans.length > 0 || f.mappings.some((m) => !kept.has(leftoverKey(f.namespace, f.family, m.title))),
  );
}

function namesText(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/**
 * The one sentence (or two) the notification says: how many mappings of ours are active and where, and how many
 * broken pieces were found. `label` names a namespace (the caller makes untrusted names visible).
 */
export function leftoverSummary(
  found: readonly NamespaceLeftovers[],
  label: (namespace: NamespaceId) => string,
): string {
  const where = (pick: (f: NamespaceLeftovers) => number) => [
    ...new Set(found.filter((f) => pick(f) > 0).map((f) => label(f.namespace))),
  ];
  const mappings = found.reduce((n, f) => n + f.mappings.length, 0);
  const incomplete = found.reduce((n, f) => n + f.mappings.filter((m) => m.missing.length).length, 0);
  const orphans = found.reduce((n, f) => n + f.orphans.length, 0);
  const parts: string[] = [];
  if (mappings) {
    const ns = where((f) => f.mappings.length);
    parts.push(
      `${plural(mappings, 'port mapping')} made by Netns Explorer ${mappings === 1 ? 'is' : 'are'} active in ${ns.length === 1 ? 'namespace' : 'namespaces'} ${namesText(ns)}${incomplete ? ` (${incomplete} incomplete)` : ''}.`,
    );
  }
  if (orphans) {
    const ns = where((f) => f.orphans.length);
    parts.push(
      `${mappings ? 'It also left' : 'Netns Explorer left'} ${plural(orphans, 'broken piece')} of its own rules (hooks, chains or rules no mapping uses) in ${ns.length === 1 ? 'namespace' : 'namespaces'} ${namesText(ns)}.`,
    );
  }
  return parts.join(' ');
}
