// The native nftables rule source: the namespace's native tables (src/host/nftRead.ts) behind the RuleSource seam. A
// table iptables-nft wrote that still reaches it is marked at read and left to the iptables source, so every table is
// shown and walked once.
import { iptablesTableKey, parseNftJson } from '../nft/parse';
import { explainNftRule } from '../nft/explain';
import { nftMappings, tableOwner } from '../nft/mappings';
import { mapEntries } from '../nft/maps';
import { isObj, kindOf, printExpr, str } from '../nft/print';
import type { NftChain, NftJson, NftRule, NftSet, NftTable } from '../nft/types';
import { walkBaseChain } from '../nft/walk';
import type { Family } from '../model';
import type { WalkContext } from '../trace/chains';
import type { Packet } from '../trace/packet';
import type { TraceStep } from '../trace/types';
import { isIptablesSet } from './iptables';
import type { ChainOutline, HookChain, NftRuleSet, RuleOutline, RuleRef, RuleSource } from './types';

const native = (set: NftRuleSet): NftTable[] => set.ruleset.tables.filter((t) => !t.iptables);
const tableOf = (set: NftRuleSet, key: string): NftTable | undefined => native(set).find((t) => t.key === key);
const chainOf = (t: NftTable | undefined, name: string): NftChain | undefined => t?.chains.find((c) => c.name === name);
const ruleAt = (set: NftRuleSet, ref: RuleRef): NftRule | undefined =>
  chainOf(tableOf(set, ref.table), ref.chain)?.rules[ref.index];

/** Which packets a table's base chains see. */
function seesFamily(t: NftTable, family: Family): boolean {
  return t.family === 'inet' || t.family === (family === 'ipv4' ? 'ip' : 'ip6');
}

/** nft's names for the standard priorities, as `nft list` prints them (dstnat before routing, srcnat after). */
export function priorityText(hook: string, priority: number): string {
  const nat: [string, number] = hook === 'prerouting' || hook === 'output' ? ['dstnat', -100] : ['srcnat', 100];
  const names: [string, number][] = [['raw', -300], ['mangle', -150], nat, ['filter', 0], ['security', 50]];
  const [name, at] = names.reduce((best, n) => (Math.abs(n[1] - priority) < Math.abs(best[1] - priority) ? n : best));
  const diff = priority - at;
  if (diff === 0) return name;
  return Math.abs(diff) <= 10 ? `${name} ${diff > 0 ? '+' : '-'} ${Math.abs(diff)}` : String(priority);
}

/** The chains a statement sends packets to: jump and goto, and every verdict-map entry. */
function targetsOf(s: NftJson, sets: ReadonlyMap<string, NftSet>): string[] {
  const k = kindOf(s);
  if (k === null || !isObj(k[1])) return [];
  if (k[0] === 'jump' || k[0] === 'goto') return [str(k[1].target) ?? ''];
  if (k[0] !== 'vmap') return [];
  const verdicts = (mapEntries(k[1].data ?? null, sets) ?? []).map(([, verdict]) => verdict);
  return verdicts.flatMap((v) => targetsOf(v ?? null, sets));
}

/** Paths from a base chain to `name`, through jumps, gotos and verdict maps (at most 20, shortest first). */
function pathsTo(t: NftTable, name: string): string[][] {
  const sets = new Map(t.sets.map((s) => [s.name, s]));
  const edges = new Map<string, Set<string>>();
  for (const c of t.chains)
    edges.set(c.name, new Set(c.rules.flatMap((r) => r.expr.flatMap((s) => targetsOf(s, sets)))));
  const out: string[][] = [];
  const queue: string[][] = t.chains.filter((c) => c.base !== null).map((c) => [c.name]);
  while (queue.length && out.length < 20) {
    const path = queue.shift() as string[];
    const last = path[path.length - 1] as string;
    if (last === name) {
      out.push(path);
      continue;
    }
    if (path.length > 16) continue;
    for (const next of edges.get(last) ?? []) if (!path.includes(next)) queue.push([...path, next]);
  }
  return out;
}

/** The verdict a rule ends with, for lists: `accept`, `dnat`, `jump X`, `vmap`; null when it only counts. */
function finalVerdict(rule: NftRule): string | null {
  for (let i = rule.expr.length - 1; i >= 0; i--) {
    const k = kindOf(rule.expr[i] ?? null);
    if (k === null || k[0] === 'counter' || k[0] === 'match' || k[0] === 'log') continue;
    if (k[0] === 'jump' || k[0] === 'goto') return printExpr(rule.expr[i] ?? null);
    return k[0];
  }
  return null;
}

function chainOutline(t: NftTable, c: NftChain): ChainOutline {
  return {
    name: c.name,
    base: c.base !== null,
    policy: c.base?.policy ?? null,
    rules: c.rules.length,
    counters: null,
    owner: tableOwner(t.name),
    hook: c.base
      ? `${c.base.type} hook ${c.base.hook} priority ${priorityText(c.base.hook, c.base.priority)}`
      : undefined,
  };
}

function outline(rule: NftRule): RuleOutline {
  return {
    ref: { table: rule.table, chain: rule.chain, index: rule.index },
    body: rule.text,
    text: rule.text,
    verdict: finalVerdict(rule),
    counters: rule.counters,
    comment: rule.comment,
  };
}

function setLines(s: NftSet): string[] {
  const type = s.keyType.join(' . ');
  const head = `\t${s.kind === 'set' ? 'set' : 'map'} ${s.name} {`;
  const typeLine = s.dataType ? `\t\ttype ${type} : ${s.dataType.join(' . ')}` : `\t\ttype ${type}`;
  const flags = s.flags.length ? [`\t\tflags ${s.flags.join(',')}`] : [];
  const elems = s.elements.map((e) =>
    e.data === null ? printExpr(e.key) : `${printExpr(e.key)} : ${printExpr(e.data)}`,
  );
  const elements = elems.length ? [`\t\telements = { ${elems.join(',\n\t\t\t     ')} }`] : [];
  return [head, typeLine, ...flags, ...elements, '\t}'];
}

export const nftRules: RuleSource<NftRuleSet> = {
  reads: (source) => source === 'nft',

  read(namespace, raw, earlier) {
    const { ruleset, diagnostics } = parseNftJson(raw.text);
    // iptables-nft's tables are listed by iptables-save too: those are iptables', shown once, as iptables.
    const byIptables = new Set(
      earlier
        .filter(isIptablesSet)
        .filter((s) => s.backend === 'nf_tables')
        .flatMap((s) => s.tables.map((t) => iptablesTableKey(s.family, t.name))),
    );
    for (const t of ruleset.tables) t.iptables = byIptables.has(t.key);
    const ruleCount = ruleset.tables
      .filter((t) => !t.iptables)
      .reduce((n, t) => t.chains.reduce((m, c) => m + c.rules.length, n), 0);
    return { set: { namespace, family: 'all', source: 'nft', ruleCount, ruleset }, diagnostics };
  },

  portMappings: (set) => nftMappings(native(set), set.namespace),

  sourceNatOn(set, dev, ownPrefixes) {
    // The nat chains at postrouting, asked with a packet from each of the namespace's own prefixes out of `dev`.
    for (const prefix of ownPrefixes) {
      const src = prefix.split('/')[0] ?? '';
      const family: Family = src.includes(':') ? 'ipv6' : 'ipv4';
      const p: Packet = {
        family,
        protocol: 'tcp',
        src,
        sport: 40000,
        // A documentation address (RFC 5737 / 3849): a question to the model, never a packet sent.
        dst: family === 'ipv4' ? '192.0.2.1' : '2001:db8::1',
        dport: 443,
        inIface: null,
        outIface: dev,
        ctstate: 'NEW',
        mark: 0,
        bridged: null,
      };
      const steps: TraceStep[] = [];
      const ctx: WalkContext = {
        namespace: set.namespace,
        family,
        env: { addresses: ownPrefixes as string[], hook: 'POSTROUTING' },
        ifaceAddress: () => (family === 'ipv4' ? '0.0.0.0' : '::'),
        choose: () => true,
        steps,
        visits: [],
        nat: [],
      };
      for (const chain of nftRules.hookChains([set], 'POSTROUTING', family).filter((c) => c.nat)) {
        chain.run(ctx, p);
        const nat = steps.find((s) => s.kind === 'nat' && s.rule !== null);
        if (nat?.rule) return { target: /^masquerade/.test(nat.text) ? 'MASQUERADE' : 'SNAT', rule: nat.rule.text };
      }
    }
    return null;
  },

  hookChains(sets, hook, family) {
    const name = hook.toLowerCase();
    const out: HookChain[] = [];
    for (const set of sets) {
      for (const t of native(set)) {
        if (!seesFamily(t, family)) continue;
        for (const c of t.chains) {
          if (c.base === null || c.base.hook !== name) continue;
          out.push({
            priority: c.base.priority,
            nat: c.base.type === 'nat',
            label: `${t.key} ${c.name}`,
            run: (ctx, p) => {
              const end = walkBaseChain(ctx, t, c, p);
              return end.kind === 'return' ? { kind: 'accept' } : end;
            },
          });
        }
      }
    }
    return out;
  },

  isEmpty: (set) => native(set).length === 0,

  tables: (set) =>
    native(set).map((t) => ({
      name: t.key,
      chains: t.chains.length,
      rules: t.chains.reduce((n, c) => n + c.rules.length, 0),
    })),

  chains(set, table) {
    const t = tableOf(set, table);
    return t ? t.chains.map((c) => chainOutline(t, c)) : [];
  },

  chain(set, table, name) {
    const t = tableOf(set, table);
    const c = chainOf(t, name);
    return t && c && chainOutline(t, c);
  },

  chainPaths(set, table, name) {
    const t = tableOf(set, table);
    return t ? pathsTo(t, name) : [];
  },

  rule(set, ref) {
    const rule = ruleAt(set, ref);
    return rule && outline(rule);
  },

  details(set, ref, ctx) {
    const t = tableOf(set, ref.table);
    const rule = ruleAt(set, ref);
    if (!t || !rule) return undefined;
    const explanation = explainNftRule(rule, { ...ctx, sets: new Map(t.sets.map((s) => [s.name, s])) });
    return {
      ...outline(rule),
      language: 'nft',
      explanation,
      uninterpreted: [...explanation.matchAll(/`([^`]+)` \(not interpreted\)/g)].map((m) => m[1] ?? ''),
      reachedFrom: pathsTo(t, rule.chain),
      conditionsOnTheWay: [],
      chainOwner: tableOwner(t.name),
    };
  },

  text(set, header) {
    const lines: string[] = header.map((h) => `# ${h}`);
    const rules: (RuleRef | null)[] = lines.map(() => null);
    const push = (line: string, ref: RuleRef | null = null) => {
      for (const l of line.split('\n')) {
        lines.push(l);
        rules.push(ref);
      }
    };
    for (const t of native(set)) {
      push(`table ${t.key} {`);
      for (const s of t.sets) for (const l of setLines(s)) push(l);
      for (const c of t.chains) {
        push(`\tchain ${c.name} {`);
        if (c.base)
          push(
            `\t\ttype ${c.base.type} hook ${c.base.hook}${c.base.device ? ` device ${JSON.stringify(c.base.device)}` : ''} priority ${priorityText(c.base.hook, c.base.priority)}; policy ${c.base.policy};`,
          );
        for (const r of c.rules) push(`\t\t${r.text}`, { table: t.key, chain: c.name, index: r.index });
        push('\t}');
      }
      push('}');
    }
    return { text: `${lines.join('\n')}\n`, rules };
  },
};
