// Every rule of a namespace with its explanation, in the same words as the hover and the NAT document, and what in
// it is not put into words: `netns-explorer rules --in NS`.
import { AddressOwners } from '../addressOwners';
import { labelOrId } from '../labels';
import type { NamespaceId, Snapshot } from '../model';
import { ruleSourceOf } from './index';
import type { RuleSetFamily } from './types';

export interface RuleRow {
  family: RuleSetFamily;
  /** The dump the rule is in: `iptables-save`, `ip6tables-save`, `nft`… */
  source: string;
  table: string;
  chain: string;
  index: number;
  /** The rule as its tool prints it (`iptables-save`'s line without counters, or nft syntax). */
  text: string;
  explanation: string;
  /** Matches, targets and statements the explanation names as not interpreted; empty when none are. */
  uninterpreted: string[];
}

export function ruleRows(snapshot: Snapshot, namespace: NamespaceId): RuleRow[] {
  const owners = new AddressOwners(snapshot.namespaces);
  const label = (id: string) =>
    labelOrId(
      snapshot.namespaces.find((n) => n.id === id),
      id,
    );
  const ctx = {
    addressOwner: (ip: string) => {
      const owner = owners.ownerOf(ip, namespace);
      return owner ? label(owner.ns.id) : undefined;
    },
  };
  const rows: RuleRow[] = [];
  for (const set of snapshot.nat) {
    if (set.namespace !== namespace) continue;
    const source = ruleSourceOf(set);
    for (const table of source.tables(set)) {
      for (const chain of source.chains(set, table.name)) {
        for (let index = 0; index < chain.rules; index++) {
          const d = source.details(set, { table: table.name, chain: chain.name, index }, ctx);
          if (!d) continue;
          rows.push({
            family: set.family,
            source: set.source,
            table: table.name,
            chain: chain.name,
            index,
            text: d.text,
            explanation: d.explanation,
            uninterpreted: d.uninterpreted,
          });
        }
      }
    }
  }
  return rows;
}
