// Lookups over one snapshot, built once per refresh, so tree items are resolved by key in O(1).
import { labelOrId, mappingKey } from '../../core/labels';
import { AddressOwners, type AddressHolder } from '../../core/addressOwners';
import type { Namespace, NetInterface, PortMapping, RuleSet, Snapshot } from '../../core/model';
import { ruleSourceOf } from '../../core/rules';
import type { ChainOutline, RuleDetails, RuleOutline, RuleRef, TableOutline } from '../../core/rules/types';
import type { RuleSetKey } from './nodes';
import { containersByNamespace, type RuntimeContainer } from '../../core/runtime';
import { isServiceMapping, serviceGroups, type ServiceGroup } from '../../core/services';
import { portRows, type PortRow } from '../../core/portRows';

export class SnapshotIndex {
  readonly namespaces = new Map<string, Namespace>();
  private readonly interfaces = new Map<string, NetInterface>();
  private readonly ruleSets = new Map<string, RuleSet>();
  private mappingsByKey: Map<string, PortMapping> | null = null;
  private containersByNs: Map<string, RuntimeContainer[]> | null = null;
  private readonly rowsByNs = new Map<string, PortRow[]>();
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

  /** The containers a runtime runs in a namespace, owner first (built once per snapshot, on first use). */
  containers(nsId: string): RuntimeContainer[] {
    this.containersByNs ??= containersByNamespace(this.snapshot);
    return this.containersByNs.get(nsId) ?? [];
  }

  /** A namespace's published ports as rows like docker ps (services aside), built once per namespace. */
  portRows(nsId: string): PortRow[] {
    let rows = this.rowsByNs.get(nsId);
    if (!rows) {
      rows = portRows(this.snapshot.portMappings.filter((m) => m.namespace === nsId && !isServiceMapping(m)));
      this.rowsByNs.set(nsId, rows);
    }
    return rows;
  }

  private serviceList: {
    all: ServiceGroup[];
    byKey: Map<string, ServiceGroup>;
    byMapping: Map<PortMapping, ServiceGroup>;
  } | null = null;

  /** Kubernetes Services and the rules behind them, with look-ups (built once per snapshot, on first use). */
  private servicesIndexed() {
    if (!this.serviceList) {
      const all = serviceGroups(this.snapshot);
      const byMapping = new Map<PortMapping, ServiceGroup>();
      for (const g of all) for (const m of g.mappings) byMapping.set(m, g);
      this.serviceList = { all, byKey: new Map(all.map((g) => [`${g.service.namespace}|${g.key}`, g])), byMapping };
    }
    return this.serviceList;
  }

  services(): ServiceGroup[] {
    return this.servicesIndexed().all;
  }

  service(nsId: string, key: string): ServiceGroup | undefined {
    return this.servicesIndexed().byKey.get(`${nsId}|${key}`);
  }

  /** The Service a mapping's rule belongs to, if it is one of a Service's. */
  serviceOf(m: PortMapping): ServiceGroup | undefined {
    return this.servicesIndexed().byMapping.get(m);
  }

  label(nsId: string): string {
    return labelOrId(this.namespaces.get(nsId), nsId);
  }

  iface(nsId: string, ifname: string): NetInterface | undefined {
    return this.interfaces.get(`${nsId}/${ifname}`);
  }

  ruleSet(key: RuleSetKey): RuleSet | undefined {
    return this.ruleSets.get(setKey({ namespace: key.ns, family: key.family, source: key.source }));
  }

  tables(key: RuleSetKey): TableOutline[] {
    const set = this.ruleSet(key);
    return set ? ruleSourceOf(set).tables(set) : [];
  }

  chains(key: RuleSetKey, table: string): ChainOutline[] {
    const set = this.ruleSet(key);
    return set ? ruleSourceOf(set).chains(set, table) : [];
  }

  chain(key: RuleSetKey, table: string, chain: string): ChainOutline | undefined {
    const set = this.ruleSet(key);
    return set && ruleSourceOf(set).chain(set, table, chain);
  }

  chainPaths(key: RuleSetKey, table: string, chain: string): string[][] {
    const set = this.ruleSet(key);
    return set ? ruleSourceOf(set).chainPaths(set, table, chain) : [];
  }

  rule(key: RuleSetKey, ref: RuleRef): RuleOutline | undefined {
    const set = this.ruleSet(key);
    return set && ruleSourceOf(set).rule(set, ref);
  }

  /** A rule's hover: its explanation names addresses by the one owner policy, seen from the rule's namespace. */
  ruleDetails(set: RuleSet, ref: RuleRef): RuleDetails | undefined {
    return ruleSourceOf(set).details(set, ref, {
      addressOwner: (ip) => {
        const owner = this.ownerOf(ip, set.namespace);
        return owner ? this.label(owner.ns.id) : undefined;
      },
    });
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

function setKey(s: { namespace: string; family: string; source: string }): string {
  return `${s.namespace}/${s.family}/${s.source}`;
}

export function ruleSetKey(set: RuleSet): RuleSetKey {
  return { ns: set.namespace, family: set.family, source: set.source };
}
