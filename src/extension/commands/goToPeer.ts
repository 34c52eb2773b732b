// netnsExplorer.goToPeer: from a veth (or a bridge port, or a pair) reveal the other end in the Namespaces view.
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import { showInfo } from '../notify';

function peerOf(node: TreeNode, idx: SnapshotIndex): { ns: string; ifname: string } | undefined {
  switch (node.kind) {
    case 'interface': {
      const p = idx.iface(node.ns, node.ifname)?.peer;
      return p ? { ns: p.namespace, ifname: p.ifname } : undefined;
    }
    case 'bridgePort': {
      const p = idx.iface(node.ns, node.ifname)?.peer;
      return p ? { ns: p.namespace, ifname: p.ifname } : undefined;
    }
    case 'vethPair':
      return { ns: node.peerNs, ifname: node.peerIfname };
    default:
      return undefined;
  }
}

export function goToPeer(ctx: CommandContext): (node?: TreeNode) => Promise<TreeNode | undefined> {
  return async (node) => {
    const snapshot = ctx.store.snapshot;
    const from = node ?? ctx.views.namespaces.selection[0];
    const peer = from && snapshot ? peerOf(from, new SnapshotIndex(snapshot)) : undefined;
    if (!peer) {
      void showInfo('This item has no resolved veth peer.');
      return undefined;
    }
    if (ctx.store.filter.search || ctx.store.filter.hideDown)
      ctx.store.setFilter({ ...ctx.store.filter, search: '', hideDown: false });
    const target: TreeNode = { kind: 'interface', ns: peer.ns, ifname: peer.ifname };
    await ctx.views.namespaces.reveal(target, { select: true, focus: true, expand: true });
    return target;
  };
}
