// Lookups over one snapshot, built once per refresh, so tree items are resolved by key in O(1).
import type { Chain, Rule, Table } from '../../core/iptables/types';
import { labelOrId, mappingKey } from '../../core/labels';
import { AddressOwners, type AddressHolder } from '../../core/addressOwners';
import type { Namespace, NatRuleSet, NetInterface, PortMapping, Snapshot } from '../../core/model';
import type { RuleSetKey } from './nodes';

export class SnapshotIndex {
  readonly namespaces = new Map<string, Namespace>();
  private readonly interfaces = new Map<string, NetInterface>();
  private readonly ruleSets = new Map<string, NatRuleSet>();
  private mappingsByKey: Map<string, PortMapping> | null = null;
  private readonly owners: AddressOwners;

  constructor(readonly snapshot: Snapshot) {
    for (const ns of snapshot.namespaces) {
      this.namespaces.set(ns.id, ns);
      for (const iface of ns.interfaces) {
        this.interfaces.set(`${ns.id}/${iface.name}`, iface);
      }
    }
    for (const set of snapshot.nat) this.ruleSets.set(setKey(set), set);
    this.owners = new AddressOwners(snapshot.namespaces);
  }

  label(nsId: string): string {
    return labelOrId(this.namespaces.get(nsId), nsId);
  }

  iface(nsId: string, ifname: string): NetInterface | undefined {
    return this.interfaces.get(`${nsId}/${ifname}`);
  }

  ruleSet(key: RuleSetKey): NatRuleSet | undefined {
    return this.ruleSets.get(setKey({ namespace: key.ns, family: key.family, source: key.source }));
  }

  table(key: RuleSetKey, table: string): Table | undefined {
    return this.ruleSet(key)?.tables.find((t) => t.name === table);
  }

  chain(key: RuleSetKey, table: string, chain: string): Chain | undefined {
    return this.table(key, table)?.chains.find((c) => c.name === chain);
  }

  rule(key: RuleSetKey, table: string, chain: string, index: number): Rule | undefined {
    return this.chain(key, table, chain)?.rules[index];
  }

  /**
   * Built on first use: a kube-proxy host has a mapping per service endpoint, and the first level of a view needs none.
   */
  mapping(nsId: string, key: string): PortMapping | undefined {
    if (this.mappingsByKey === null) {
      this.mappingsByKey = new Map(this.snapshot.portMappings.map((m) => [`${m.namespace}/${mappingKey(m)}`, m]));
    }
    return this.mappingsByKey.get(`${nsId}/${key}`);
  }

  /** Which namespace and interface hold an address, as seen from namespace `from` (core/addressOwners.ts). */
  ownerOf(ip: string, from: string | null): AddressHolder | undefined {
    return this.owners.ownerOf(ip, from);
  }
}

function setKey(s: Pick<NatRuleSet, 'namespace' | 'family' | 'source'>): string {
  return `${s.namespace}/${s.family}/${s.source}`;
}

export function ruleSetKey(set: NatRuleSet): RuleSetKey {
  return { ns: set.namespace, family: set.family, source: set.source };
}
