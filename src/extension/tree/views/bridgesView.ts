// The Bridges view: each bridge with its ports, each port resolved to the namespace on the other end.
import type { Bridge } from '../../../core/model';
import type { ViewModel } from '../provider';
import { bridgeItem, bridgePortItem, bridgePortTooltip, bridgeTooltip } from '../items/bridgeItem';
import type { SnapshotIndex } from '../snapshotIndex';
import { namespaceMatches, needleOf } from '../../../core/search';

const find = (idx: SnapshotIndex, ns: string, name: string): Bridge | undefined =>
  idx.snapshot.bridges.find((b) => b.namespace === ns && b.name === name);

export const bridgesView: ViewModel = {
  roots: (idx, filter) => {
    const needle = needleOf(filter.search);
    // A bridge shows when it matches, or a namespace plugged into it does (the same matching as everywhere).
    const plugged = (b: Bridge, ns: string | null) =>
      ns !== null &&
      b.ports.some((port) => {
        const peer = idx.iface(b.namespace, port)?.peer;
        const other = peer ? idx.namespaces.get(peer.namespace) : undefined;
        return other !== undefined && namespaceMatches(other, ns, idx.snapshot);
      });
    return idx.snapshot.bridges
      .filter(
        (b) =>
          !needle ||
          b.name.toLowerCase().includes(needle) ||
          b.addresses.some((a) => a.includes(needle)) ||
          b.ports.some((p) => p.toLowerCase().includes(needle)) ||
          plugged(b, needle),
      )
      .map((b) => ({ kind: 'bridge', ns: b.namespace, name: b.name }));
  },
  children: (node, idx) => {
    if (node.kind !== 'bridge') return [];
    return (find(idx, node.ns, node.name)?.ports ?? []).map((ifname) => ({
      kind: 'bridgePort',
      ns: node.ns,
      bridge: node.name,
      ifname,
    }));
  },
  item(node, idx) {
    if (node.kind === 'bridge') {
      const b = find(idx, node.ns, node.name);
      return b && bridgeItem(b, idx);
    }
    if (node.kind === 'bridgePort') {
      const b = find(idx, node.ns, node.bridge);
      return b && bridgePortItem(b, node.ifname, idx);
    }
    return undefined;
  },
  tooltip(node, idx) {
    if (node.kind === 'bridge') {
      const b = find(idx, node.ns, node.name);
      return b && bridgeTooltip(b, idx);
    }
    if (node.kind === 'bridgePort') {
      const b = find(idx, node.ns, node.bridge);
      return b && bridgePortTooltip(b, node.ifname, idx);
    }
    return undefined;
  },
  parent: (node) => (node.kind === 'bridgePort' ? { kind: 'bridge', ns: node.ns, name: node.bridge } : undefined),
};
