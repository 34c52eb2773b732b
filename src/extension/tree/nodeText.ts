// The text each tree node offers to Copy Name, Copy Address and Copy Rule Text.
import { mappingText } from '../../core/labels';
import { hostOf } from '../../core/net/address';
import type { TreeNode } from './nodes';
import type { SnapshotIndex } from './snapshotIndex';
import { ruleOfMapping } from './views/natView';
import { withoutCounters } from '../../core/iptables/print';

export function nodeName(node: TreeNode, idx: SnapshotIndex): string | undefined {
  switch (node.kind) {
    case 'namespace':
      return idx.label(node.ns);
    case 'interface':
      return node.ifname;
    case 'bridge':
      return node.name;
    case 'bridgePort':
      return node.ifname;
    case 'vethPair':
      return `${node.ifname} ${node.peerIfname}`;
    case 'chain':
      return node.chain;
    default:
      return undefined;
  }
}

/** Addresses without prefix length, one per line: what a user pastes into curl or ping. */
export function nodeAddresses(node: TreeNode, idx: SnapshotIndex): string | undefined {
  const strip = (cidrs: string[]) =>
    cidrs
      .filter((a) => !a.startsWith('fe80:'))
      .map(hostOf)
      .join('\n') || undefined;
  switch (node.kind) {
    case 'namespace':
      return strip(
        idx.namespaces
          .get(node.ns)
          ?.interfaces.filter((i) => i.kind !== 'loopback')
          .flatMap((i) => i.addresses) ?? [],
      );
    case 'interface':
      return strip(idx.iface(node.ns, node.ifname)?.addresses ?? []);
    case 'bridge':
      return strip(idx.iface(node.ns, node.name)?.addresses ?? []);
    case 'vethPair':
      return strip(idx.iface(node.peerNs, node.peerIfname)?.addresses ?? []);
    default:
      return undefined;
  }
}

export function nodeRuleText(node: TreeNode, idx: SnapshotIndex): string | undefined {
  if (node.kind === 'rule')
    return idx.rule(node.set, { table: node.table, chain: node.chain, index: node.index })?.text;
  if (node.kind === 'mapping') {
    const m = idx.mapping(node.ns, node.key);
    if (!m) return undefined;
    return withoutCounters(ruleOfMapping(m, idx)?.text ?? m.rule) || mappingText(m);
  }
  return undefined;
}
