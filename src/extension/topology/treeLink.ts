// Between the picture and the sidebar: an element's tree node (to reveal it) and a tree node's element (to highlight
// it).
import { bridgePortEdgeId, interfaceNodeId, mappingEdgeId, namespaceNodeId, vethEdgeId } from '../../core/topology/ids';
import type { TopologyGraph, TopologyRef } from '../../core/topology/types';
import type { TreeNode } from '../tree/nodes';

/** The ref's node is already a tree node: this is where the compiler checks that the shapes agree. */
export function treeNodeOf(ref: TopologyRef): TreeNode {
  return ref.node;
}

/** The element that stands for a tree node in the picture, if any (a folded one stands for what it holds). */
export function elementIdOf(node: TreeNode, graph: TopologyGraph): string | undefined {
  const id = ownIdOf(node, graph);
  return id === undefined ? undefined : (graph.aliases?.[id] ?? id);
}

function ownIdOf(node: TreeNode, graph: TopologyGraph): string | undefined {
  switch (node.kind) {
    case 'namespace':
      return namespaceNodeId(node.ns);
    case 'interface':
      return interfaceNodeId(node.ns, node.ifname);
    case 'bridge':
      return interfaceNodeId(node.ns, node.name);
    case 'bridgePort':
      return bridgePortEdgeId(node.ns, node.bridge, node.ifname);
    case 'vethPair':
      return vethEdgeId(node.ns, node.ifname);
    case 'mapping':
      return mappingEdgeId(node.ns, node.key);
    case 'mappingGroup':
      return namespaceNodeId(node.ns);
    case 'route': {
      const uplink = graph.edges.find(
        (e) =>
          e.kind === 'uplink' &&
          e.ref?.node.kind === 'route' &&
          e.ref.node.ns === node.ns &&
          e.ref.node.index === node.index,
      );
      return uplink?.id;
    }
    case 'routes':
    case 'nsError':
      return namespaceNodeId(node.ns);
    default:
      return undefined;
  }
}
