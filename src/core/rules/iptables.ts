// The iptables rule source: iptables-save dumps (both families, nf_tables and legacy backends) behind the RuleSource
// seam. Everything iptables-specific that other layers need goes through here.
import { chainGraph } from '../explain/chainPath';
import { chainOwner } from '../explain/owner';
import { explainRule } from '../explain/rule';
import { renderRuleDocument } from '../iptables/document';
import { parseIptablesSave } from '../iptables/parse';
import type { Chain, Rule, Table } from '../iptables/types';
import { deriveMappings } from '../portMappings';
import { sourceNatOn } from '../iptables/sourceNat';
import { walkTable } from '../trace/chains';
import type {
  ChainOutline,
  HookChain,
  IptablesDumpName,
  IptablesRuleSet,
  RuleOutline,
  RuleRef,
  RuleSource,
} from './types';
import { withoutCounters } from '../iptables/print';

const DUMPS: ReadonlySet<string> = new Set<IptablesDumpName>([
  'iptables-save',
  'ip6tables-save',
  'iptables-legacy-save',
  'ip6tables-legacy-save',
]);

const tableOf = (set: IptablesRuleSet, name: string): Table | undefined => set.tables.find((t) => t.name === name);
const chainOf = (table: Table | undefined, name: string): Chain | undefined =>
  table?.chains.find((c) => c.name === name);
const ruleAt = (set: IptablesRuleSet, ref: RuleRef): Rule | undefined =>
  chainOf(tableOf(set, ref.table), ref.chain)?.rules[ref.index];

/** The rule as a reader wants it in a list: no counters, no `-A CHAIN`. */
function ruleBody(rule: Rule): string {
  const text = withoutCounters(rule.text);
  const prefix = `-A ${rule.chain} `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

function chainOutline(c: Chain): ChainOutline {
  return {
    name: c.name,
    base: c.builtin,
    policy: c.policy,
    rules: c.rules.length,
    counters: c.counters,
    owner: chainOwner(c.name),
  };
}

function outline(rule: Rule): RuleOutline {
  return {
    ref: { table: rule.table, chain: rule.chain, index: rule.index },
    body: ruleBody(rule),
    text: withoutCounters(rule.text),
    verdict: rule.target?.name ?? null,
    counters: rule.counters,
    comment: rule.comment,
  };
}

/** Where each table's chains sit at a hook (the kernel's NF_IP_PRI_*): nat is dstnat before routing, srcnat after. */
export function tablePriority(table: string, hook: string): number | null {
  switch (table) {
    case 'raw':
      return -300;
    case 'mangle':
      return -150;
    case 'nat':
      return hook === 'PREROUTING' || hook === 'OUTPUT' ? -100 : 100;
    case 'filter':
      return 0;
    case 'security':
      return 50;
    default:
      return null;
  }
}

/**
 * iptables-nft cannot list a table that holds chains nft wrote (a native `table ip nat`): it says so in a comment and
 * prints what it could decode, which is wrong. Such a table is nft's: the nft rule set shows it.
 */
const INCOMPATIBLE = /^# Table `([^']+)' contains incompatible base-chains/gm;

/** Whether a rule set is iptables' (the kind our port mappings are written in). */
export function isIptablesSet(set: { source: string }): set is IptablesRuleSet {
  return DUMPS.has(set.source);
}

export const iptablesRules: RuleSource<IptablesRuleSet> = {
  reads: (source) => DUMPS.has(source),

  read(namespace, raw) {
    const dump = parseIptablesSave(raw.text);
    const foreign = new Set([...raw.text.matchAll(INCOMPATIBLE)].map((m) => m[1]));
    const tables = foreign.size ? dump.tables.filter((t) => !foreign.has(t.name)) : dump.tables;
    const ruleCount = tables.reduce((n, t) => t.chains.reduce((m, c) => m + c.rules.length, n), 0);
    const set: IptablesRuleSet = {
      namespace,
      family: raw.family === 'ipv6' ? 'ipv6' : 'ipv4',
      source: raw.source as IptablesDumpName,
      ruleCount,
      tables,
    };
    return { set, diagnostics: dump.diagnostics };
  },

  portMappings(set) {
    const nat = tableOf(set, 'nat');
    return nat ? deriveMappings(nat, set.namespace, set.family) : [];
  },

  sourceNatOn(set, dev, ownPrefixes) {
    const nat = tableOf(set, 'nat');
    return nat ? sourceNatOn(nat, dev, ownPrefixes) : null;
  },

  hookChains(sets, hook, family) {
    const own = sets.filter((set) => set.family === family);
    const names = [...new Set(own.flatMap((set) => set.tables.map((t) => t.name)))];
    const out: HookChain[] = [];
    for (const name of names) {
      const priority = tablePriority(name, hook);
      // The nf_tables and legacy backends' tables of one name run as one step (both hold rules on such hosts).
      const sources = own.flatMap((set) => {
        const t = tableOf(set, name);
        return t?.chains.some((c) => c.builtin && c.name === hook) ? [{ table: t, source: set.source }] : [];
      });
      if (priority === null || sources.length === 0) continue;
      out.push({
        priority,
        nat: name === 'nat',
        label: `${name} ${hook}`,
        run: (ctx, p) => walkTable(ctx, sources, hook, p),
      });
    }
    return out;
  },
  isEmpty: (set) => set.tables.length === 0,

  tables: (set) =>
    set.tables.map((t) => ({
      name: t.name,
      chains: t.chains.length,
      rules: t.chains.reduce((n, c) => n + c.rules.length, 0),
    })),

  // Built straight from the table: a kube-proxy nat table has thousands of chains, listed on every expand.
  chains: (set, table) => tableOf(set, table)?.chains.map(chainOutline) ?? [],

  chain(set, table, name) {
    const c = chainOf(tableOf(set, table), name);
    return c && chainOutline(c);
  },

  chainPaths(set, table, name) {
    const t = tableOf(set, table);
    return t ? chainGraph(t).pathsTo(name) : [];
  },

  rule(set, ref) {
    const rule = ruleAt(set, ref);
    return rule && outline(rule);
  },

  details(set, ref, ctx) {
    const table = tableOf(set, ref.table);
    const rule = ruleAt(set, ref);
    if (!table || !rule) return undefined;
    const graph = chainGraph(table);
    const paths = graph.pathsTo(rule.chain);
    return {
      ...outline(rule),
      language: 'iptables',
      explanation: explainRule(rule, {
        ...ctx,
        reachedOnlyForLocalDestination: graph.onlyForLocalDestination(rule.chain),
      }),
      reachedFrom: paths,
      conditionsOnTheWay: paths[0] ? graph.inheritedConditions(paths[0]) : [],
      chainOwner: chainOwner(rule.chain),
    };
  },

  text(set, header) {
    const doc = renderRuleDocument(set.tables, header);
    return { text: doc.text, rules: doc.rules.map((r) => r && { table: r.table, chain: r.chain, index: r.index }) };
  },
};
