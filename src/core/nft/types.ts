// The model of `nft -j list ruleset`: tables → chains → rules, and the sets and maps rules look up. Expressions stay in
// nft's own JSON (libnftables-json(5)); print.ts, explain.ts and evaluate.ts read them, and anything none of them knows
// is shown raw and named as such.
import type { Counters } from '../iptables/types';

/** nft's address families. `inet` tables see both IPv4 and IPv6. */
export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

/** One JSON value of an expression, as nft printed it. */
export type NftJson = null | boolean | number | string | NftJson[] | { [key: string]: NftJson };

export interface NftBaseChain {
  /** `filter`, `nat`, `route`. */
  type: string;
  /** `prerouting`, `input`, `forward`, `output`, `postrouting`, `ingress`... */
  hook: string;
  priority: number;
  /** `accept` or `drop`. */
  policy: string;
  /** The device of a netdev or ingress chain. */
  device: string | null;
}

export interface NftRule {
  /** `inet firewalld`: family and name, the table's key. */
  table: string;
  chain: string;
  /** 0-based position in its chain. */
  index: number;
  /** The kernel's handle: how `nft delete rule … handle N` and `nft monitor trace` name the rule. */
  handle: number;
  /** The rule's statements, in order. */
  expr: NftJson[];
  comment: string | null;
  /** Summed from its `counter` statements; null when it has none. */
  counters: Counters | null;
  /** The rule in nft syntax (print.ts), without counters and handle. */
  text: string;
}

export interface NftChain {
  name: string;
  handle: number;
  /** Null for a regular chain, which only jumps and gotos reach. */
  base: NftBaseChain | null;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  /** `set`, a `map` to data, or a verdict map (`vmap`). */
  kind: 'set' | 'map' | 'vmap';
  /** The key's type: one name, or several for a concatenation (`ipv4_addr . inet_proto . inet_service`). */
  keyType: string[];
  /** The data type of a map (`verdict` for a verdict map); null for a set. */
  dataType: string[] | null;
  flags: string[];
  /** Elements: the key, and for maps the data, as nft printed them. */
  elements: { key: NftJson; data: NftJson | null }[];
}

export interface NftTable {
  family: NftFamily;
  name: string;
  /** `family name`, e.g. `inet firewalld`: how rules, refs and the view name the table. */
  key: string;
  handle: number;
  chains: NftChain[];
  sets: NftSet[];
  /**
   * Written by iptables-nft (the same table is in the iptables dump of that family): the iptables rule source shows
   * and walks it, so this one does not.
   */
  iptables: boolean;
}

export interface NftRuleset {
  tables: NftTable[];
  /** `nft`'s version as its metainfo says. */
  version: string | null;
}
