// Which RuleSource reads a rule set or a dump. A new kind of rule set adds its source to SOURCES.
import type { Family, NamespaceId } from '../model';
import { iptablesRules } from './iptables';
import { nftRules } from './nft';
import type { RuleSet, RuleSource } from './types';

const SOURCES: readonly RuleSource[] = [iptablesRules, nftRules] as RuleSource[];

/** The source that reads dumps called `source`, or undefined for a dump no source reads. */
export function ruleSourceFor(source: string): RuleSource | undefined {
  return SOURCES.find((s) => s.reads(source));
}

/** The source of a rule set in the snapshot. */
export function ruleSourceOf(set: RuleSet): RuleSource {
  const found = ruleSourceFor(set.source);
  if (found === undefined) throw new Error(`no rule source reads ${set.source}`);
  return found;
}

/** The rule sets of one namespace that see `family` packets (nft's one set sees both), in snapshot order. */
export function ruleSetsOf(sets: readonly RuleSet[], namespace: NamespaceId, family: Family): RuleSet[] {
  return sets.filter((s) => s.namespace === namespace && (s.family === family || s.family === 'all'));
}
