// Walks one table's chain from a hook as the kernel does: rules in order, -j/-g/RETURN, user chains, policies, NAT
// targets.
import { explainRule } from '../explain/rule';
import type { Chain, Rule, Table } from '../iptables/types';
import { targetOption } from '../iptables/query';
import type { Family, NamespaceId } from '../model';
import { parseToDestination } from '../portMappings';
import { addToIp, parseIp } from './addr';
import { evaluateRule, type MatchEnv } from './match';
import { packetText, type NatRecord, type Packet } from './packet';
import type { ChainVisit, RuleLink, TraceStep } from './types';

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
/** Targets that only log, count or set metadata: the walk goes on after them. */
const NON_TERMINAL = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'TRACE',
  'CONNMARK',
  'TCPMSS',
  'CHECKSUM',
  'TTL',
  'HL',
  'DSCP',
  'TOS',
  'CLASSIFY',
  'AUDIT',
  'SECMARK',
  'CONNSECMARK',
  'IDLETIMER',
  'LED',
]);

type ChainEnd = { kind: 'return' } | TableVerdict;

function link(ctx: WalkContext, source: string, rule: Rule): RuleLink {
  return {
    namespace: ctx.namespace,
    family: ctx.family,
    source,
    table: rule.table,
    chain: rule.chain,
    index: rule.index,
    text: rule.text.replace(/^\[\d+:\d+\] /, ''),
  };
}

function step(
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
  for (const rule of chain.rules) {
    const m = evaluateRule(rule, p, ctx.env);
    if (!m.matched) {
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
    const end = applyTarget(ctx, src, rule, p, depth, m.assumptions);
    if (end !== null) return end;
  }
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
  switch (name) {
    case 'ACCEPT':
      say('ACCEPT: the packet passes this table');
      return { kind: 'accept' };
    case 'DROP':
      say(`DROP: ${explainRule(rule)}`);
      return { kind: 'drop', rule: ruleLink, reason: `rule ${rule.index + 1} of ${src.table.name} ${rule.chain}` };
    case 'REJECT': {
      const w =
        targetOption(rule, '--reject-with')?.args[0] ??
        (ctx.family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable');
      say(`REJECT with ${w}`);
      return { kind: 'reject', rule: ruleLink, with: w };
    }
    case 'RETURN':
      say('RETURN: back to the calling chain');
      return { kind: 'return' };
    case 'DNAT':
    case 'REDIRECT': {
      const from = { ip: p.dst, port: p.dport };
      if (name === 'DNAT') {
        const to = parseToDestination(targetOption(rule, '--to-destination')?.args[0] ?? '');
        const ip = firstAddress(to.ip);
        if (ip !== null) p.dst = ip;
        if (to.port !== null) p.dport = portInRange(to.port, p.dport);
      } else {
        const ports = targetOption(rule, '--to-ports')?.args[0];
        p.dst = ctx.ifaceAddress(p.inIface) ?? (ctx.family === 'ipv4' ? '127.0.0.1' : '::1');
        if (ports) p.dport = Number(ports.split('-')[0]);
      }
      ctx.nat.push({ namespace: ctx.namespace, kind: 'dnat', from, to: { ip: p.dst, port: p.dport } });
      say(`${name}: destination rewritten to ${packetText(p).split(' → ')[1] ?? ''}`, 'nat');
      return { kind: 'accept' };
    }
    case 'SNAT':
    case 'MASQUERADE': {
      const from = { ip: p.src, port: p.sport };
      if (name === 'SNAT') {
        const to = parseToDestination(targetOption(rule, '--to-source')?.args[0] ?? '');
        const ip = firstAddress(to.ip);
        if (ip !== null) p.src = ip;
        if (to.port !== null) p.sport = portInRange(to.port, p.sport);
      } else {
        const addr = ctx.ifaceAddress(p.outIface);
        if (addr !== null) p.src = addr;
      }
      ctx.nat.push({ namespace: ctx.namespace, kind: 'snat', from, to: { ip: p.src, port: p.sport } });
      say(`${name}: source rewritten to ${packetText(p).split(' ')[1] ?? ''}`, 'nat');
      return { kind: 'accept' };
    }
    case 'MARK': {
      const set = targetOption(rule, '--set-xmark') ?? targetOption(rule, '--set-mark');
      const [v = '0', m = '0xffffffff'] = (set?.args[0] ?? '0').split('/');
      p.mark = ((p.mark & ~Number(m)) ^ Number(v)) >>> 0;
      say(`MARK: the packet's mark becomes 0x${p.mark.toString(16)}`);
      return null;
    }
    case 'CT':
    case 'NOTRACK': {
      const notrack = name === 'NOTRACK' || targetOption(rule, '--notrack') !== undefined;
      say(
        notrack
          ? 'NOTRACK: the connection is not tracked, so no NAT applies to it (not modelled: the trace goes on as tracked)'
          : `${name}: conntrack settings`,
      );
      if (notrack) assumptions.push('untracked packets skip NAT; the trace does not model that');
      return null;
    }
  }
  if (NON_TERMINAL.has(name)) {
    say(`${name}: ${name === 'LOG' || name === 'NFLOG' ? 'logged' : 'applied'}, the walk goes on`);
    return null;
  }
  const note = `target ${name} is not modelled; assumed to let the packet continue`;
  step(ctx, p, depth, 'rule', title, note, { rule: ruleLink, assumptions: [...assumptions, note], uncertain: true });
  return null;
}

/** NAT keeps the original port when it lies in the range (nf_nat's unique-tuple search starts there). */
function portInRange(range: string, port: number): number {
  const [lo = 0, hi = lo] = range.split('-').map(Number);
  return port >= lo && port <= hi ? port : lo;
}

/** The first address of `a` or `a-b`. */
function firstAddress(text: string): string | null {
  const first = text.split('-')[0] ?? '';
  const ip = parseIp(first);
  return ip === null ? null : addToIp(ip, 0n);
}
