// The rule-source seam: what every kind of rule set offers the rest of the program: iptables (iptables.ts) and native
// nftables (nft.ts: Docker 29, Netavark, kube-proxy, firewalld). Port mappings, the NAT view, explanations, the text
// document, the topology's uplinks and the trace ask a RuleSource, never a backend's own types.
import type { ChainOwner } from '../explain/owner';
import type { ExplainContext } from '../explain/words';
import type { Counters, ParseDiagnostic, Table } from '../iptables/types';
import type { Family, NamespaceId, PortMapping } from '../model';
import type { NftRuleset } from '../nft/types';
import type { TableVerdict, WalkContext } from '../trace/chains';
import type { Packet } from '../trace/packet';

/** The dumps iptables rule sets come from: the nf_tables backend's tools, and the legacy ones when both hold rules. */
export type IptablesDumpName = 'iptables-save' | 'ip6tables-save' | 'iptables-legacy-save' | 'ip6tables-legacy-save';

/** The packets a rule set sees: one family (iptables, ip6tables), or both (nft's one ruleset per namespace). */
export type RuleSetFamily = Family | 'all';

/** What every rule set has, whatever its kind. */
export interface RuleSetHeader {
  namespace: NamespaceId;
  family: RuleSetFamily;
  /** The dump it was read from; it also tells the kind (`iptables-save` → iptables). */
  source: string;
  /** Rules in all tables, counted once when the snapshot is built (views show it without walking chains). */
  ruleCount: number;
}

export interface IptablesRuleSet extends RuleSetHeader {
  family: Family;
  source: IptablesDumpName;
  tables: Table[];
}

/** `nft -j list ruleset`: every family's tables; those iptables-nft wrote are marked and left to the iptables sets. */
export interface NftRuleSet extends RuleSetHeader {
  family: 'all';
  source: 'nft';
  ruleset: NftRuleset;
}

/** One namespace's rules from one dump. A union: each new kind of rule set joins it. */
export type RuleSet = IptablesRuleSet | NftRuleSet;

/** One dump as the host layer read it, before parsing. */
export interface RawRuleDump {
  family: RuleSetFamily;
  source: string;
  command: string;
  text: string;
}

/** A rule's place in its set: table, chain, 0-based position. */
export interface RuleRef {
  table: string;
  chain: string;
  index: number;
}

export interface TableOutline {
  name: string;
  chains: number;
  rules: number;
}

export interface ChainOutline {
  name: string;
  /** A chain a hook runs (iptables' built-in chains, nftables' base chains). */
  base: boolean;
  /** The base chain's policy; null for a regular chain. */
  policy: string | null;
  rules: number;
  counters: Counters | null;
  owner: ChainOwner;
  /** A base chain's place: `nat hook prerouting priority dstnat` (nft's base chains; iptables' are implied). */
  hook?: string;
}

export interface RuleOutline {
  ref: RuleRef;
  /** The rule as a reader wants it in a list: no counters, no chain prefix. */
  body: string;
  /** The rule as the dump printed it, without counters. */
  text: string;
  /** The target or verdict (`DNAT`, `ACCEPT`, a chain name); null when the rule only counts. */
  verdict: string | null;
  counters: Counters | null;
  comment: string | null;
}

export interface RuleDetails extends RuleOutline {
  /** The language of `text` for a code block: `iptables`, `nft`. */
  language: string;
  /** The plain-language sentence (src/core/explain). */
  explanation: string;
  reachedFrom: string[][];
  /** The conditions of the jumps on the first path here. */
  conditionsOnTheWay: string[];
  chainOwner: ChainOwner;
}

/** The rule set as a text document in its tool's own syntax, and which line holds which rule. */
export interface RuleText {
  text: string;
  /** Index = 0-based line number; null for lines that are not rules. */
  rules: (RuleRef | null)[];
}

/** One base chain a hook runs, at its priority: an iptables table's built-in chain, or an nftables base chain. */
export interface HookChain {
  priority: number;
  /** A `nat` chain: it sees only a connection's first packet. */
  nat: boolean;
  /** How steps name it: `nat PREROUTING`, `inet firewalld filter_INPUT`. */
  label: string;
  run(ctx: WalkContext, p: Packet): TableVerdict;
}

/** Whether traffic leaving through an interface is source-NATed there (the topology's uplink label). */
export type SourceNat = 'MASQUERADE' | 'SNAT';

/** The source NAT applied there, and the rule that does it (for the label's hover). */
export interface SourceNatRule {
  target: SourceNat;
  rule: string;
}

export interface RuleSource<S extends RuleSet = RuleSet> {
  /** Whether this source reads the dump called `source` (`iptables-save`...). */
  reads(source: string): boolean;
  /**
   * Parses one dump; what could not be parsed is reported, the rest kept. `earlier` are the namespace's sets read
   * before it (nft's dump holds iptables-nft's tables too, which the iptables sets already show).
   */
  read(
    namespace: NamespaceId,
    raw: RawRuleDump,
    earlier: readonly RuleSet[],
  ): { set: S; diagnostics: ParseDiagnostic[] };
  /** Ports the set publishes (DNAT rules reached from a hook), targets not yet resolved to namespaces. */
  portMappings(set: S): PortMapping[];
  /**
   * The source NAT applied to the namespace's own traffic leaving through `dev`, if any: `ownPrefixes` are its
   * interface prefixes, which a rule's source must cover.
   */
  sourceNatOn(set: S, dev: string, ownPrefixes: readonly string[]): SourceNatRule | null;
  /**
   * The trace: the base chains `hook` (`PREROUTING`...) runs for a `family` packet in `sets` (one namespace's), each
   * walking its rules and rewriting the packet as NAT does. The engine runs every source's chains by priority.
   */
  hookChains(sets: readonly S[], hook: string, family: Family): HookChain[];
  /** The set holds no table at all (a firewall never touched): cheap, for a view's first level. */
  isEmpty(set: S): boolean;
  tables(set: S): TableOutline[];
  chains(set: S, table: string): ChainOutline[];
  chain(set: S, table: string, chain: string): ChainOutline | undefined;
  /** Paths from a hook to the chain, e.g. `['PREROUTING', 'DOCKER']` (for its hover; a search, so only on demand). */
  chainPaths(set: S, table: string, chain: string): string[][];
  rule(set: S, ref: RuleRef): RuleOutline | undefined;
  /** Everything a rule's hover shows. `ctx.addressOwner` names addresses; the rest comes from the set. */
  details(set: S, ref: RuleRef, ctx: ExplainContext): RuleDetails | undefined;
  /** The set in its tool's syntax, preceded by `header` as comment lines. */
  text(set: S, header: readonly string[]): RuleText;
}
