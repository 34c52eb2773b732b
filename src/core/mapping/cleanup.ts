// Plans the removal of what Netns Explorer left behind: hooks first, then the rules of ours, then chains of ours left
// empty.
import type { IptablesDump, Rule } from '../iptables/types';
import type { Family } from '../model';
import { touchedChains } from './chainEdits';
import { findLeftoversIn, isOwnHook, type Leftovers } from './leftovers';
import { deleteOp } from './plan';
import { OWN_CHAINS } from './rules';
import type { MappingPlan, RuleOp } from './types';

/** What to remove: the orphans, and which mappings in force (by title), or all of them. */
export interface CleanupSelection {
  orphans: boolean;
  mappings: 'all' | readonly string[];
}

export const ORPHANS_ONLY: CleanupSelection = { orphans: true, mappings: [] };
export const EVERYTHING: CleanupSelection = { orphans: true, mappings: 'all' };

function cleanupTitle(found: Leftovers, selection: CleanupSelection, mappings: number): string {
  const parts = [];
  if (mappings) parts.push(`${mappings} port mapping${mappings === 1 ? '' : 's'}`);
  if (selection.orphans && found.orphans.length)
    parts.push(`${found.orphans.length} broken piece${found.orphans.length === 1 ? '' : 's'}`);
  return `leftovers of Netns Explorer: ${parts.join(', ')}`;
}

/**
 * The edits that remove the selected leftovers from one namespace's rules of one family; null when there is
 * nothing to remove. Only rules of ours go: hooks (our exact hook comment on a jump to one of our chains) and
 * tagged rules inside our chains. A chain of ours goes once it holds nothing, and takes its hooks along,
 * unless someone else jumps to it (then it stays, hooks and all). Rules are deleted one by one by their exact
 * text rather than by flushing the chain: a rule another tool added to it after the preview is never taken,
 * and the plan stays something a stale check can compare.
 */
export function planCleanup(dump: IptablesDump, family: Family, selection: CleanupSelection): MappingPlan | null {
  const found = findLeftoversIn(dump.tables, family);
  const doomed = new Set<Rule>();
  if (selection.orphans) for (const o of found.orphans) for (const r of o.rules) doomed.add(r);
  const chosen = found.mappings.filter((m) => selection.mappings === 'all' || selection.mappings.includes(m.title));
  for (const m of chosen) for (const r of m.rules) doomed.add(r);

  const drops: RuleOp[] = [];
  for (const own of Object.values(OWN_CHAINS)) {
    const table = dump.tables.find((t) => t.name === own.table);
    const chain = table?.chains.find((c) => c.name === own.chain);
    if (!table || !chain) continue;
    const emptied = chain.rules.every((r) => doomed.has(r)) && (chain.rules.length > 0 || selection.orphans);
    const jumps = table.chains.flatMap((c) =>
      c.name === chain.name ? [] : c.rules.filter((r) => r.target?.name === chain.name),
    );
    if (!emptied || jumps.some((r) => !isOwnHook(r, own.table))) continue;
    for (const hook of jumps) doomed.add(hook);
    drops.push({ op: 'deleteChain', table: own.table, chain: own.chain });
  }

  const ops: RuleOp[] = [];
  for (const tableName of ['filter', 'nat', 'raw'] as const) {
    const rules = dump.tables.find((t) => t.name === tableName)?.chains.flatMap((c) => c.rules) ?? [];
    // Hooks first, so no jump ever points at a chain being emptied; then the rules in our chains; then the chains.
    ops.push(...rules.filter((r) => doomed.has(r) && isOwnHook(r, tableName)).map(deleteOp));
    ops.push(...rules.filter((r) => doomed.has(r) && !isOwnHook(r, tableName)).map(deleteOp));
    ops.push(...drops.filter((d) => d.table === tableName));
  }
  if (ops.length === 0) return null;
  return {
    kind: 'remove',
    family,
    title: cleanupTitle(found, selection, chosen.length),
    owner: 'netns-explorer',
    ops,
    before: touchedChains(dump, ops),
    spec: null,
    needsRouteLocalnet: false,
  };
}
