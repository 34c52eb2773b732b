// The NAT view: port mappings grouped by namespace, Kubernetes Services apart, then every rule set as
// table → chain → rule, paged; rule sets
// are read through the rule-source seam (src/core/rules), whatever their kind.
import * as vscode from 'vscode';
import { mappingKey } from '../../../core/labels';
import type { PortMapping } from '../../../core/model';
import type { RuleDetails } from '../../../core/rules/types';
import type { ViewModel } from '../provider';
import {
  mappingGroupItem,
  mappingItem,
  mappingsRootItem,
  mappingTooltip,
  serviceItem,
  servicesRootItem,
} from '../items/mappingItem';
import { hostPortMappings, mappingCounts, type ServiceGroup } from '../../../core/services';
import {
  chainItem,
  chainTooltip,
  ruleItem,
  rulePageItem,
  ruleSetItem,
  ruleTooltip,
  tableItem,
} from '../items/ruleItem';
import { ruleSourceOf } from '../../../core/rules';
import { mappingMatches, namespaceMatches, needleOf } from '../../../core/search';
import { portRows, portRowText, type PortRow } from '../../../core/portRows';

function rowOf(idx: SnapshotIndex, ns: string, key: string): PortRow | undefined {
  return idx.portRows(ns).find((r) => mappingKey(r.mappings[0]!) === key);
}

function rowOfMapping(idx: SnapshotIndex, m: PortMapping): PortRow | undefined {
  return idx.portRows(m.namespace).find((r) => r.mappings.includes(m));
}

/** The port mappings the search keeps (all of them without one), Services' rules included. */
function visibleMappings(idx: SnapshotIndex, needle: string): PortMapping[] {
  return needle
    ? idx.snapshot.portMappings.filter((m) => mappingMatches(m, needle, (id) => idx.label(id)))
    : idx.snapshot.portMappings;
}

/** The Services the search keeps: by a rule's text, address or owner, or the Service's name. */
function visibleServices(idx: SnapshotIndex, needle: string): ServiceGroup[] {
  if (!needle) return idx.services();
  return idx
    .services()
    .filter(
      (g) =>
        (g.service.name ?? '').toLowerCase().includes(needle) ||
        g.mappings.some((m) => mappingMatches(m, needle, (id) => idx.label(id))),
    );
}
import type { TreeNode } from '../nodes';
import { ruleSetKey, type SnapshotIndex } from '../snapshotIndex';
import { withoutCounters } from '../../../core/iptables/print';

/** The DNAT rule a mapping came from, looked up in the mapping's own namespace and family. */
export function ruleOfMapping(m: PortMapping, idx: SnapshotIndex): RuleDetails | undefined {
  for (const set of idx.snapshot.nat) {
    if (set.namespace !== m.namespace || (m.source !== undefined ? set.source !== m.source : set.family !== m.family))
      continue;
    const rule = idx.ruleDetails(set, m.ruleRef);
    if (rule?.text === withoutCounters(m.rule)) return rule;
  }
  return undefined;
}

export function natView(pageSize: () => number): ViewModel {
  return {
    roots(idx, filter) {
      const needle = needleOf(filter.search);
      // Without a search the counts serve (one pass per snapshot): the first level never walks every mapping.
      const counts = mappingCounts(idx.snapshot);
      const hosts = needle ? hostPortMappings(visibleMappings(idx, needle)).length : counts.hostMappings;
      const services = needle ? visibleServices(idx, needle).length : counts.services;
      const out: TreeNode[] = hosts ? [{ kind: 'mappings' }] : [];
      if (services) out.push({ kind: 'services' });
      // A namespace whose firewall was never touched dumps nothing: listing it would only bury the real rule sets.
      // A search keeps the rule sets of the namespaces it matches.
      for (const set of idx.snapshot.nat) {
        if (ruleSourceOf(set).isEmpty(set)) continue;
        const ns = idx.namespaces.get(set.namespace);
        if (needle && !(ns && namespaceMatches(ns, needle, idx.snapshot))) continue;
        out.push({ kind: 'ruleSet', set: ruleSetKey(set) });
      }
      return out;
    },

    children(node, idx, filter) {
      const needle = needleOf(filter.search);
      switch (node.kind) {
        case 'mappings': {
          const seen = new Set(hostPortMappings(visibleMappings(idx, needle)).map((m) => m.namespace));
          return idx.snapshot.namespaces
            .filter((ns) => seen.has(ns.id))
            .map((ns) => ({ kind: 'mappingGroup', ns: ns.id }));
        }
        case 'mappingGroup': {
          // Published host ports, one row per binding as docker ps shows them (Services are listed apart).
          const here = hostPortMappings(visibleMappings(idx, needle)).filter((m) => m.namespace === node.ns);
          // Without a search the index's rows serve (built once per namespace); a search narrows them first.
          return (needle ? portRows(here) : idx.portRows(node.ns)).map((r): TreeNode =>
            r.mappings.length === 1
              ? { kind: 'mapping', ns: node.ns, key: mappingKey(r.mappings[0]!) }
              : { kind: 'portRow', ns: node.ns, key: mappingKey(r.mappings[0]!) },
          );
        }
        case 'services':
          return visibleServices(idx, needle).map((g) => ({ kind: 'service', ns: g.service.namespace, key: g.key }));
        case 'service':
          return (idx.service(node.ns, node.key)?.mappings ?? []).map((m) => ({
            kind: 'mapping',
            ns: node.ns,
            key: mappingKey(m),
          }));
        case 'portRow':
          return (rowOf(idx, node.ns, node.key)?.mappings ?? []).map((m) => ({
            kind: 'mapping',
            ns: node.ns,
            key: mappingKey(m),
          }));
        case 'ruleSet':
          return idx.tables(node.set).map((t) => ({ kind: 'table', set: node.set, table: t.name }));
        case 'table':
          return idx.chains(node.set, node.table).map((c) => ({
            kind: 'chain',
            set: node.set,
            table: node.table,
            chain: c.name,
          }));
        case 'chain': {
          const count = idx.chain(node.set, node.table, node.chain)?.rules ?? 0;
          const size = pageSize();
          // Long chains (kube-proxy's KUBE-SERVICES) come in pages: items are only made for what is opened.
          if (count <= size)
            return Array.from({ length: count }, (_, index) => ({
              kind: 'rule',
              set: node.set,
              table: node.table,
              chain: node.chain,
              index,
            }));
          const pages: TreeNode[] = [];
          for (let start = 0; start < count; start += size) {
            pages.push({
              kind: 'rulePage',
              set: node.set,
              table: node.table,
              chain: node.chain,
              start,
              end: Math.min(count, start + size),
            });
          }
          return pages;
        }
        case 'rulePage': {
          const out: TreeNode[] = [];
          for (let index = node.start; index < node.end; index++)
            out.push({ kind: 'rule', set: node.set, table: node.table, chain: node.chain, index });
          return out;
        }
        default:
          return [];
      }
    },

    item(node, idx) {
      switch (node.kind) {
        case 'mappings':
          return mappingsRootItem(mappingCounts(idx.snapshot).hostMappings);
        case 'mappingGroup':
          return mappingGroupItem(
            node.ns,
            idx.portRows(node.ns).reduce((n, r) => n + r.mappings.length, 0),
            idx,
          );
        case 'services':
          return servicesRootItem(mappingCounts(idx.snapshot).services);
        case 'service': {
          const g = idx.service(node.ns, node.key);
          return g && serviceItem(g, idx);
        }
        case 'mapping': {
          const m = idx.mapping(node.ns, node.key);
          return m && mappingItem(m, idx);
        }
        case 'portRow': {
          const row = rowOf(idx, node.ns, node.key);
          if (!row) return undefined;
          const target = row.targetNamespace ? ` (${idx.label(row.targetNamespace)})` : '';
          const item = new vscode.TreeItem(`${portRowText(row)}${target}`, vscode.TreeItemCollapsibleState.Expanded);
          item.description = `${row.owner} · ${row.mappings.length} rules`;
          item.iconPath = new vscode.ThemeIcon('arrow-right');
          item.contextValue = 'portRow';
          item.tooltip = `One binding, as docker ps shows it: ${row.mappings.length} rules (IPv4 and IPv6, or a range written one port at a time). Each is listed below.`;
          return item;
        }
        case 'ruleSet': {
          const s = idx.ruleSet(node.set);
          return s && ruleSetItem(s, idx);
        }
        case 'table': {
          const t = idx.tables(node.set).find((x) => x.name === node.table);
          return t && tableItem(t);
        }
        case 'chain': {
          const c = idx.chain(node.set, node.table, node.chain);
          return c && chainItem(c);
        }
        case 'rulePage':
          return rulePageItem(node.start, node.end);
        case 'rule': {
          const r = idx.rule(node.set, { table: node.table, chain: node.chain, index: node.index });
          return r && ruleItem(r);
        }
        default:
          return undefined;
      }
    },

    tooltip(node, idx) {
      if (node.kind === 'mapping') {
        const m = idx.mapping(node.ns, node.key);
        return m && mappingTooltip(m, idx, ruleOfMapping(m, idx)?.explanation);
      }
      if (node.kind === 'chain') {
        const c = idx.chain(node.set, node.table, node.chain);
        return c && chainTooltip(c, node.table, idx.chainPaths(node.set, node.table, node.chain));
      }
      if (node.kind === 'rule') {
        const set = idx.ruleSet(node.set);
        const d = set && idx.ruleDetails(set, { table: node.table, chain: node.chain, index: node.index });
        return set && d && ruleTooltip(d, set, idx);
      }
      return undefined;
    },

    parent(node, idx) {
      switch (node.kind) {
        case 'mappingGroup':
          return { kind: 'mappings' };
        case 'service':
          return { kind: 'services' };
        case 'mapping': {
          // Inside its row when it is one rule of several, else right under its namespace; a Service's under it.
          const m = idx && idx.mapping(node.ns, node.key);
          const service = m && idx ? idx.serviceOf(m) : undefined;
          if (service) return { kind: 'service', ns: node.ns, key: service.key };
          const row = m && idx ? rowOfMapping(idx, m) : undefined;
          return row && row.mappings.length > 1
            ? { kind: 'portRow', ns: node.ns, key: mappingKey(row.mappings[0]!) }
            : { kind: 'mappingGroup', ns: node.ns };
        }
        case 'portRow':
          return { kind: 'mappingGroup', ns: node.ns };
        case 'table':
          return { kind: 'ruleSet', set: node.set };
        case 'chain':
          return { kind: 'table', set: node.set, table: node.table };
        case 'rulePage':
          return { kind: 'chain', set: node.set, table: node.table, chain: node.chain };
        case 'rule': {
          const size = pageSize();
          const length = idx?.chain(node.set, node.table, node.chain)?.rules ?? 0;
          if (length <= size) return { kind: 'chain', set: node.set, table: node.table, chain: node.chain };
          const start = Math.floor(node.index / size) * size;
          return {
            kind: 'rulePage',
            set: node.set,
            table: node.table,
            chain: node.chain,
            start,
            end: Math.min(length, start + size),
          };
        }
        default:
          return undefined;
      }
    },
  };
}
