// Evaluates one rule's matches against a packet, each option by its match module (src/core/iptables/matches/).
import { builtinOptions } from '../iptables/builtinOptions';
import { matchModule, type OptionResult } from '../iptables/module';
import type { MatchGroup, Rule, RuleOption } from '../iptables/types';
import type { Connection, Packet } from './packet';

/** What the namespace knows that matches need. */
export interface MatchEnv {
  /** Every address of the namespace (CIDR form), loopback included. */
  addresses: readonly string[];
  hook: string;
  /** The packet's connection in this namespace (conntrack matches); derived from the packet when absent. */
  connection?: Connection;
}

export interface MatchOutcome {
  matched: boolean;
  /** Matches that could not be evaluated, with the assumption made (only when they decided the outcome). */
  assumptions: string[];
  /** Set when the rule has a `statistic` match and everything else matched: the chain walker branches here. */
  statistic: { probability: number; text: string } | null;
  /** When a condition decided the rule did not match: which one, in words. */
  miss?: string;
}

/** The generic handler: an option no module evaluates is assumed not to match, and the trace says so. */
function notEvaluated(module: string | null, o: RuleOption): OptionResult {
  return {
    assumed: false,
    final: true,
    why: `${optionText(module, o)}: cannot be evaluated here; assumed not to match`,
  };
}

/** The option as written, for the generic sentence: `-m conntrack --ctstate RELATED,ESTABLISHED`. */
function optionText(module: string | null, o: RuleOption): string {
  return `${module === null ? '' : `-m ${module} `}${o.negated ? '! ' : ''}${o.name} ${o.args.join(' ')}`.trim();
}

function missOf(group: MatchGroup, o: RuleOption, p: Packet, env: MatchEnv): string {
  const module = group.module === null ? builtinOptions : matchModule(group.module);
  return (
    module?.miss?.(o, p, env, group.module ?? '') ?? `\`${optionText(group.module, o)}\` does not match this packet`
  );
}

function evaluateOption(group: MatchGroup, o: RuleOption, p: Packet, env: MatchEnv): OptionResult {
  const module = group.module === null ? builtinOptions : matchModule(group.module);
  return module?.evaluate?.(o, p, env, group.module ?? '') ?? notEvaluated(group.module, o);
}

export function evaluateRule(rule: Rule, p: Packet, env: MatchEnv): MatchOutcome {
  const assumptions: string[] = [];
  let statistic: MatchOutcome['statistic'] = null;
  for (const group of rule.matches) {
    const branch = group.module === null ? undefined : matchModule(group.module)?.branch;
    if (branch !== undefined) {
      statistic = branch(group);
      continue;
    }
    for (const option of group.options) {
      const r = evaluateOption(group, option, p, env);
      if (r === true || r === false) {
        if (r === option.negated)
          return { matched: false, assumptions: [], statistic: null, miss: missOf(group, option, p, env) };
        continue;
      }
      assumptions.push(r.why);
      const value = r.final ? r.assumed : r.assumed !== option.negated;
      if (!value) return { matched: false, assumptions, statistic: null };
    }
  }
  return { matched: true, assumptions, statistic };
}
