// The Veth Pairs view: one item per pair, host-facing end first.
import type { VethPair } from '../../../core/model';
import type { ViewModel } from '../provider';
import { vethPairItem, vethPairTooltip } from '../items/vethItem';
import type { SnapshotIndex } from '../snapshotIndex';
import { namespaceMatches, needleOf } from '../../../core/search';

const find = (idx: SnapshotIndex, ns: string, ifname: string): VethPair | undefined =>
  idx.snapshot.vethPairs.find((p) => p.a.namespace === ns && p.a.ifname === ifname);

export const vethsView: ViewModel = {
  roots: (idx, filter) => {
    const needle = needleOf(filter.search);
    const nsMatches = (id: string) => {
      const ns = idx.namespaces.get(id);
      return ns ? namespaceMatches(ns, needle, idx.snapshot) : idx.label(id).toLowerCase().includes(needle);
    };
    return idx.snapshot.vethPairs
      .filter(
        (p) => !needle || [p.a, p.b].some((e) => e.ifname.toLowerCase().includes(needle) || nsMatches(e.namespace)),
      )
      .map((p) => ({
        kind: 'vethPair',
        ns: p.a.namespace,
        ifname: p.a.ifname,
        peerNs: p.b.namespace,
        peerIfname: p.b.ifname,
      }));
  },
  children: () => [],
  item(node, idx) {
    if (node.kind !== 'vethPair') return undefined;
    const p = find(idx, node.ns, node.ifname);
    return p && vethPairItem(p, idx);
  },
  tooltip(node, idx) {
    if (node.kind !== 'vethPair') return undefined;
    const p = find(idx, node.ns, node.ifname);
    return p && vethPairTooltip(p, idx);
  },
  parent: () => undefined,
};
