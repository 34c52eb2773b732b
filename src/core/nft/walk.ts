// The trace through one nftables base chain: rules in order, statement by statement, as nf_tables runs them. A match
// that fails ends the rule; a verdict (accept, drop, reject, jump, goto, return, a verdict map's entry, a NAT
// statement) ends it and maybe the chain. What cannot be evaluated from a snapshot is assumed and marked uncertain.
import { endpoint, parseIp } from '../net/address';
import { portInRange } from '../trace/nat';
import { step, type ChainEnd, type WalkContext } from '../trace/chains';
import type { Packet } from '../trace/packet';
import type { RuleLink, TraceStep } from '../trace/types';
import { isObj, kindOf, num, printExpr, printStatement, str } from './print';
import type { NftChain, NftJson, NftRule, NftSet, NftTable } from './types';
import { mapEntries } from './maps';
import { compare, holds, numberOf, readValue, type PacketValue, type ValueEnv } from './values';

const MAX_DEPTH = 64;

interface TableWalk {
  ctx: WalkContext;
  table: NftTable;
  sets: ReadonlyMap<string, NftSet>;
  chains: ReadonlyMap<string, NftChain>;
}

/** What a rule's statements came to: go on with the next rule, or end the chain. */
type RuleEnd = null | ChainEnd;

function link(w: TableWalk, rule: NftRule): RuleLink {
  return {
    namespace: w.ctx.namespace,
    family: 'all',
    source: 'nft',
    table: rule.table,
    chain: rule.chain,
    index: rule.index,
    text: rule.text,
  };
}

function env(w: TableWalk, p: Packet): ValueEnv {
  return { family: p.family, addresses: w.ctx.env.addresses, connection: w.ctx.env.connection, sets: w.sets };
}

/** A table's sets and chains by name, built once per table (a trace runs the same tables at every hook and hop). */
const INDEX = new WeakMap<NftTable, Pick<TableWalk, 'sets' | 'chains'>>();
function indexOf(table: NftTable): Pick<TableWalk, 'sets' | 'chains'> {
  let found = INDEX.get(table);
  if (!found) {
    found = {
      sets: new Map(table.sets.map((s) => [s.name, s])),
      chains: new Map(table.chains.map((c) => [c.name, c])),
    };
    INDEX.set(table, found);
  }
  return found;
}

/** Runs one base chain of `table` for `p`; the verdict ends only this chain unless it drops or rejects. */
export function walkBaseChain(ctx: WalkContext, table: NftTable, chain: NftChain, p: Packet): ChainEnd {
  const w: TableWalk = { ctx, table, ...indexOf(table) };
  const base = chain.base;
  step(
    ctx,
    p,
    0,
    'hook',
    `${table.key} ${chain.name}`,
    `${base?.type ?? 'filter'} chain at ${base?.hook ?? '?'}, priority ${base?.priority ?? 0}: ${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'}, policy ${base?.policy ?? 'accept'}`,
  );
  const end = walkChain(w, chain, p, 1);
  if (end.kind !== 'return') return end;
  const policy = base?.policy ?? 'accept';
  step(
    ctx,
    p,
    1,
    'policy',
    `${table.key} ${chain.name} policy`,
    `no rule decided: the chain's policy ${policy} applies`,
  );
  return policy === 'drop'
    ? { kind: 'drop', rule: null, reason: `policy drop of ${table.key} ${chain.name}` }
    : { kind: 'accept' };
}

function walkChain(w: TableWalk, chain: NftChain, p: Packet, depth: number): ChainEnd {
  w.ctx.visits.push({ namespace: w.ctx.namespace, family: w.ctx.family, table: w.table.key, chain: chain.name });
  if (depth > MAX_DEPTH) {
    step(w.ctx, p, depth, 'note', `${w.table.key} ${chain.name}`, `jumps nest deeper than ${MAX_DEPTH}: stopped here`, {
      uncertain: true,
    });
    return { kind: 'return' };
  }
  for (const rule of chain.rules) {
    const end = runRule(w, rule, p, depth);
    if (end !== null) return end;
  }
  return { kind: 'return' };
}

/** A verdict (`accept`, `jump X`…) as the chain walk takes it. */
function verdict(w: TableWalk, rule: NftRule, v: NftJson, p: Packet, depth: number, say: Say): RuleEnd {
  const k = kindOf(v);
  const kind = k?.[0];
  const b = k && isObj(k[1]) ? k[1] : {};
  switch (kind) {
    case 'accept':
      say('accept: this base chain lets the packet go on (later base chains at this hook still see it)');
      return { kind: 'accept' };
    case 'drop':
      say('drop');
      return { kind: 'drop', rule: link(w, rule), reason: `${w.table.key} ${rule.chain} rule ${rule.index + 1}` };
    case 'continue':
      say('continue: on to the next rule');
      return null;
    case 'return':
      say('return: back to the calling chain');
      return { kind: 'return' };
    case 'jump':
    case 'goto': {
      const target = str(b.target) ?? '';
      const next = w.chains.get(target);
      if (next === undefined) {
        say(`${kind} ${target}: no such chain in ${w.table.key}; assumed to go on`, true);
        return null;
      }
      say(`${kind === 'goto' ? 'goes to' : 'jumps to'} ${target}`);
      const end = walkChain(w, next, p, depth + 1);
      if (end.kind !== 'return') return end;
      if (kind === 'goto') return { kind: 'return' };
      step(
        w.ctx,
        p,
        depth,
        'note',
        `${w.table.key} ${rule.chain}`,
        `back from ${target}, continuing after rule ${rule.index + 1}`,
      );
      return null;
    }
    default:
      say(`verdict ${printExpr(v)} is not modelled; assumed to go on`, true);
      return null;
  }
}

type Say = (text: string, uncertain?: boolean, kind?: TraceStep['kind']) => void;

/** `numgen random mod N vmap {…}`: kube-proxy's load balancing, a branch per entry like iptables' statistic match. */
function numgenBranch(
  w: TableWalk,
  rule: NftRule,
  key: NftJson,
  entries: [NftJson, NftJson][],
  p: Packet,
  say: Say,
): NftJson | undefined {
  const k = kindOf(key);
  if (k?.[0] !== 'numgen' || !isObj(k[1]) || str(k[1].mode) !== 'random') return undefined;
  const mod = num(k[1].mod) ?? 0;
  const offset = num(k[1].offset) ?? 0;
  if (mod <= 0) return undefined;
  for (let value = offset, left = mod; value < offset + mod; value++, left--) {
    const taken = w.ctx.choose(`${w.table.key} ${rule.chain} rule ${rule.index + 1} numgen ${value}`, 1 / left);
    if (!taken) continue;
    const entry = entries.find(([kv]) => holds({ type: 'num', value }, kv, env(w, p)) === true);
    say(`numgen random mod ${mod}: this path is the ${(100 / mod).toFixed(1).replace(/\.0$/, '')}% branch ${value}`);
    return entry?.[1] ?? null;
  }
  return null;
}

function vmap(w: TableWalk, rule: NftRule, b: { [k: string]: NftJson }, p: Packet, depth: number, say: Say): RuleEnd {
  const entries = mapEntries(b.data ?? null, w.sets);
  const key = b.key ?? null;
  if (entries === null) {
    say(`verdict map ${printExpr(b.data ?? null)} is not readable here; assumed to go on`, true);
    return null;
  }
  const branched = numgenBranch(w, rule, key, entries, p, say);
  if (branched !== undefined) return branched === null ? null : verdict(w, rule, branched, p, depth, say);
  const v = readValue(key, p, env(w, p));
  if (v.type === 'absent') {
    say(`skipped: ${printExpr(key)} does not apply to this packet (${v.why}): no entry`, false, 'skip');
    return null;
  }
  if (v.type === 'unknown') {
    say(`${v.why}: the verdict map lookup is assumed to find nothing`, true, 'note');
    return null;
  }
  let unsure = false;
  for (const [k, data] of entries) {
    const r = holds(v as PacketValue, k, env(w, p));
    if (r === null) unsure = true;
    if (r !== true) continue;
    say(`${printExpr(key)} is ${printExpr(k)} in the verdict map: ${printExpr(data)}`, unsure);
    return verdict(w, rule, data, p, depth, say);
  }
  // A lookup that finds nothing ends the rule as a failed match does (the kernel does not count it as matched).
  say(`skipped: ${printExpr(key)} has no entry in ${printExpr(b.data ?? null)}`, unsure, unsure ? 'note' : 'skip');
  return null;
}

function natStatement(w: TableWalk, kind: string, b: { [k: string]: NftJson }, p: Packet, say: Say): RuleEnd {
  const before = { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
  const portText = b.port === undefined ? null : printExpr(b.port);
  const addr = b.addr === undefined ? null : (str(b.addr) ?? (isObj(b.addr) ? null : String(b.addr)));
  if (b.addr !== undefined && (addr === null || parseIp(addr) === null)) {
    say(
      `${kind} to ${printExpr(b.addr)}: an address from a map or expression is not modelled; assumed to accept unchanged`,
      true,
    );
    return { kind: 'accept' };
  }
  const port = (current: number) => (portText === null ? current : portInRange(portText, current));
  if (kind === 'dnat' || kind === 'redirect') {
    const to =
      kind === 'redirect'
        ? p.inIface === null
          ? p.family === 'ipv4'
            ? '127.0.0.1'
            : '::1'
          : w.ctx.ifaceAddress(p.inIface)
        : addr;
    p.dst = to ?? p.dst;
    p.dport = port(p.dport);
    w.ctx.nat.push({
      namespace: w.ctx.namespace,
      kind: 'dnat',
      from: { ip: before.dst, port: before.dport },
      to: { ip: p.dst, port: p.dport },
    });
    say(`${kind}: destination rewritten to ${endpoint(p.dst, p.dport)}`, false, 'nat');
  } else {
    const to = kind === 'masquerade' ? w.ctx.ifaceAddress(p.outIface) : addr;
    if (to === null) {
      say(`${kind}: ${p.outIface ?? 'the outgoing interface'} has no address to take; assumed unchanged`, true);
      return { kind: 'accept' };
    }
    p.src = to;
    p.sport = port(p.sport);
    w.ctx.nat.push({
      namespace: w.ctx.namespace,
      kind: 'snat',
      from: { ip: before.src, port: before.sport },
      to: { ip: p.src, port: p.sport },
    });
    say(`${kind}: source rewritten to ${endpoint(p.src, p.sport)}`, false, 'nat');
  }
  return { kind: 'accept' };
}

/** A new mark: a number, or the packet's mark combined with one (`meta mark | 0x4000`, kube-proxy's form). */
function markValue(e: NftJson, p: Packet): number | null {
  const plain = numberOf(e);
  if (plain !== null) return plain;
  const k = kindOf(e);
  if (k === null || !Array.isArray(k[1]) || k[1].length !== 2) return null;
  const [l, r] = k[1];
  const n = numberOf(r ?? null);
  if (n === null || printExpr(l ?? null) !== 'meta mark') return null;
  const mark = BigInt(p.mark);
  const big = BigInt(n);
  if (k[0] === '|') return Number(mark | big);
  if (k[0] === '^') return Number(mark ^ big);
  if (k[0] === '&') return Number(mark & big);
  return null;
}

function runRule(w: TableWalk, rule: NftRule, p: Packet, depth: number): RuleEnd {
  const title = `${w.table.key} ${rule.chain} #${rule.index + 1}`;
  const assumptions: string[] = [];
  const say: Say = (text, uncertain = false, kind = 'rule') => {
    if (uncertain) assumptions.push(text);
    step(w.ctx, p, depth, kind, title, `${text}${rule.comment ? ` (comment: "${rule.comment}")` : ''}`, {
      rule: link(w, rule),
      assumptions: [...assumptions],
    });
  };
  for (const statement of rule.expr) {
    const k = kindOf(statement);
    const kind = k?.[0] ?? '';
    const b = k && isObj(k[1]) ? k[1] : {};
    if (kind === 'match') {
      const left = b.left ?? null;
      const v = readValue(left, p, env(w, p));
      const written = printStatement(statement);
      if (v.type === 'absent') {
        step(w.ctx, p, depth, 'skip', title, `skipped: \`${written}\`: ${v.why}`, { rule: link(w, rule) });
        return null;
      }
      const r = v.type === 'unknown' ? null : compare(str(b.op) ?? '==', v, b.right ?? null, env(w, p));
      if (r === null) {
        assumptions.push(
          `\`${written}\`: ${v.type === 'unknown' ? v.why : 'this comparison is not evaluated'}; assumed not to match`,
        );
        step(w.ctx, p, depth, 'note', title, 'skipped: assumed not to match', {
          rule: link(w, rule),
          assumptions: [...assumptions],
        });
        return null;
      }
      if (!r) {
        step(w.ctx, p, depth, 'skip', title, `skipped: \`${written}\` does not match this packet`, {
          rule: link(w, rule),
        });
        return null;
      }
      continue;
    }
    switch (kind) {
      case 'counter':
      case 'log':
        continue;
      case 'accept':
      case 'drop':
      case 'continue':
      case 'return':
      case 'jump':
      case 'goto':
        return verdict(w, rule, statement, p, depth, say);
      case 'reject': {
        const type = str(b.type);
        const how = type === 'tcp reset' ? 'tcp-reset' : `${str(b.expr) ?? 'port-unreachable'}`;
        say(`reject (${how})`);
        return { kind: 'reject', rule: link(w, rule), with: how };
      }
      case 'vmap':
        // A verdict map ends the rule: with the entry's verdict, or unmatched when there is none.
        return vmap(w, rule, b, p, depth, say);
      case 'dnat':
      case 'snat':
      case 'masquerade':
      case 'redirect':
        return natStatement(w, kind, b, p, say);
      case 'mangle': {
        const key = printExpr(b.key ?? null);
        const value = markValue(b.value ?? null, p);
        if (key === 'meta mark' && value !== null) {
          p.mark = value;
          say(`sets the packet mark to 0x${value.toString(16)}`);
        } else if (key !== 'meta nftrace') {
          say(`\`${printStatement(statement)}\` is not modelled; assumed to change nothing that matters here`, true);
        }
        continue;
      }
      case 'notrack':
        p.untracked = true;
        p.untrackedByRule = true;
        say('notrack: the packet is not tracked, so no nat chain sees it and its ct state is untracked');
        continue;
      case 'limit':
      case 'quota':
        assumptions.push(`\`${printStatement(statement)}\`: assumed within the limit`);
        continue;
      default:
        say(`\`${printStatement(statement)}\` is not modelled; assumed to go on`, true);
        continue;
    }
  }
  say('matched (no verdict: on to the next rule)');
  return null;
}
