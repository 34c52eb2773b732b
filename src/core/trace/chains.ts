// Walks one table's chain from a hook as the kernel does: rules in order, -j/-g/RETURN, user chains, policies, NAT
// targets.
import type { Chain, Rule, Table } from '../iptables/types';
import { targetModule } from '../iptables/module';
import type { Family, NamespaceId } from '../model';
import { evaluateRule, type MatchEnv } from './match';
import { packetText, type NatRecord, type Packet } from './packet';
import type { ChainVisit, RuleLink, TraceStep } from './types';
import { withoutCounters } from '../iptables/print';

/** One table of one namespace, from one dump (nf_tables and legacy both run when both hold rules). */
export interface TableSource {
  table: Table;
  source: string;
}

export interface WalkContext {
  namespace: NamespaceId;
  family: Family;
  env: MatchEnv;
  /** The address a MASQUERADE or REDIRECT would take from an interface. */
  ifaceAddress: (ifname: string | null) => string | null;
  /** Decides a statistic match: true = the rule matches. */
  choose: (where: string, probability: number) => boolean;
  steps: TraceStep[];
  visits: ChainVisit[];
  nat: NatRecord[];
}

export type TableVerdict =
  | { kind: 'accept' }
  | { kind: 'drop'; rule: RuleLink | null; reason: string }
  | { kind: 'reject'; rule: RuleLink; with: string };

const MAX_DEPTH = 64;
/** Skipped rules shown one by one per chain visit; the rest are counted in one step. */
const SKIPS_SHOWN = 20;
export type ChainEnd = { kind: 'return' } | TableVerdict;

/** What a target's `apply` (src/core/iptables/targets/) gets: the walk, the rule, and the packet it may rewrite. */
export interface TargetCall {
  ctx: WalkContext;
  rule: Rule;
  packet: Packet;
  /** The rule as verdicts and steps link to it. */
  link: RuleLink;
  /** The rule's table (`nat`, `filter`...). */
  table: string;
  /** Assumptions made in matching this rule; a target may add its own. */
  assumptions: string[];
  /** Adds the rule's step to the trace (its comment appended). */
  say(text: string, kind?: TraceStep['kind']): void;
}

function link(ctx: WalkContext, source: string, rule: Rule): RuleLink {
  return {
    namespace: ctx.namespace,
    family: ctx.family,
    source,
    table: rule.table,
    chain: rule.chain,
    index: rule.index,
    text: withoutCounters(rule.text),
  };
}

/** Adds one step of a rule walk to the trace (every kind of rule set words its steps through this). */
export function step(
  ctx: WalkContext,
  p: Packet,
  depth: number,
  kind: TraceStep['kind'],
  title: string,
  text: string,
  extra: Partial<Pick<TraceStep, 'rule' | 'assumptions' | 'uncertain'>> = {},
): void {
  ctx.steps.push({
    namespace: ctx.namespace,
    kind,
    depth,
    title,
    text,
    packet: packetText(p),
    rule: extra.rule ?? null,
    assumptions: extra.assumptions ?? [],
    uncertain: extra.uncertain ?? (extra.assumptions?.length ?? 0) > 0,
  });
}

/** Runs `hook` of one table (all its sources) and returns the verdict; NAT targets rewrite `p` in place. */
export function walkTable(ctx: WalkContext, tables: TableSource[], hook: string, p: Packet): TableVerdict {
  for (const src of tables) {
    const chain = src.table.chains.find((c) => c.name === hook && c.builtin);
    if (!chain) continue;
    const label = `${src.table.name} ${hook}${tables.length > 1 ? ` (${src.source})` : ''}`;
    step(
      ctx,
      p,
      0,
      'hook',
      label,
      `${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'}, policy ${chain.policy ?? 'ACCEPT'}`,
    );
    const end = walkChain(ctx, src, chain, p, 1);
    if (end.kind === 'return') {
      const policy = chain.policy ?? 'ACCEPT';
      step(
        ctx,
        p,
        1,
        'policy',
        `${src.table.name} ${hook} policy`,
        `no rule decided: the chain's policy ${policy} applies`,
      );
      if (policy === 'DROP') return { kind: 'drop', rule: null, reason: `policy DROP of ${src.table.name} ${hook}` };
    } else if (end.kind !== 'accept') {
      return end;
    }
  }
  return { kind: 'accept' };
}

function walkChain(ctx: WalkContext, src: TableSource, chain: Chain, p: Packet, depth: number): ChainEnd {
  ctx.visits.push({ namespace: ctx.namespace, family: ctx.family, table: src.table.name, chain: chain.name });
  if (depth > MAX_DEPTH) {
    step(
      ctx,
      p,
      depth,
      'note',
      `${src.table.name} ${chain.name}`,
      `jumps nest deeper than ${MAX_DEPTH}: stopped here`,
      { uncertain: true },
    );
    return { kind: 'return' };
  }
  let skipped = 0;
  const flushSkips = () => {
    const more = skipped - SKIPS_SHOWN;
    if (more > 0)
      step(
        ctx,
        p,
        depth,
        'skip',
        `${src.table.name} ${chain.name}`,
        `${more} more rule${more === 1 ? '' : 's'} skipped`,
      );
    skipped = 0;
  };
  for (const rule of chain.rules) {
    const m = evaluateRule(rule, p, ctx.env);
    if (!m.matched) {
      // Why each rule was passed over, for the first few of a chain; a long chain (KUBE-SERVICES) is summed up.
      if (m.miss !== undefined && ++skipped <= SKIPS_SHOWN) {
        step(ctx, p, depth, 'skip', `${src.table.name} ${chain.name} #${rule.index + 1}`, `skipped: ${m.miss}`, {
          rule: link(ctx, src.source, rule),
        });
      }
      if (m.assumptions.length) {
        step(
          ctx,
          p,
          depth,
          'note',
          `${src.table.name} ${chain.name} #${rule.index + 1}`,
          'skipped: assumed not to match',
          { rule: link(ctx, src.source, rule), assumptions: m.assumptions },
        );
      }
      continue;
    }
    if (m.statistic) {
      const where = `${src.table.name} ${chain.name} rule ${rule.index + 1}`;
      const taken = ctx.choose(where, m.statistic.probability);
      const pct = `${(m.statistic.probability * 100).toFixed(1).replace(/\.0$/, '')}%`;
      if (!taken) {
        step(
          ctx,
          p,
          depth,
          'note',
          `${src.table.name} ${chain.name} #${rule.index + 1}`,
          `${m.statistic.text}: this branch (${pct}) not taken on this path`,
          { rule: link(ctx, src.source, rule) },
        );
        continue;
      }
      m.assumptions.push(`${m.statistic.text}: this path is the ${pct} branch where it matches`);
    }
    flushSkips();
    const end = applyTarget(ctx, src, rule, p, depth, m.assumptions);
    if (end !== null) return end;
  }
  flushSkips();
  return { kind: 'return' };
}

/** Null: go on with the next rule. */
function applyTarget(
  ctx: WalkContext,
  src: TableSource,
  rule: Rule,
  p: Packet,
  depth: number,
  assumptions: string[],
): ChainEnd | null {
  const ruleLink = link(ctx, src.source, rule);
  const title = `${src.table.name} ${rule.chain} #${rule.index + 1}`;
  const say = (text: string, kind: TraceStep['kind'] = 'rule') =>
    step(ctx, p, depth, kind, title, `${text}${rule.comment ? ` (comment: "${rule.comment}")` : ''}`, {
      rule: ruleLink,
      assumptions: [...assumptions],
    });
  const target = rule.target;
  if (target === null) {
    say('matched (no target: only counts)');
    return null;
  }
  const name = target.name;
  const userChain = src.table.chains.find((c) => c.name === name && !c.builtin);
  if (userChain) {
    say(`${target.kind === 'goto' ? 'goes to' : 'jumps to'} ${name}`);
    const end = walkChain(ctx, src, userChain, p, depth + 1);
    if (end.kind !== 'return') return end;
    // -g: returning from the chain returns from this one too.
    if (target.kind === 'goto') return { kind: 'return' };
    step(
      ctx,
      p,
      depth,
      'note',
      `${src.table.name} ${rule.chain}`,
      `back from ${name}, continuing after rule ${rule.index + 1}`,
    );
    return null;
  }
  const module = targetModule(name);
  if (module?.apply !== undefined) {
    return module.apply({ ctx, rule, packet: p, link: ruleLink, table: src.table.name, assumptions, say });
  }
  const note = `target ${name} is not modelled; assumed to let the packet continue`;
  step(ctx, p, depth, 'rule', title, note, { rule: ruleLink, assumptions: [...assumptions, note], uncertain: true });
  return null;
}
