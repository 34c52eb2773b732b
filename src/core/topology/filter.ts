// Which elements of the graph a filter leaves: loopback, down interfaces and unlinked namespaces can be hidden.
import type { TopologyFilter, TopologyGraph, TopologyNode } from './types';

function hidden(n: TopologyNode, f: TopologyFilter): boolean {
  return (
    (!f.showLoopback && n.hide.loopback === true) ||
    (!f.showDown && n.hide.down === true) ||
    (!f.showUnlinked && n.hide.unlinked === true)
  );
}

/**
 * The visible part: nodes the filter keeps whose parent is kept, and edges between kept nodes. Linear in the graph
 * size.
 */
export function visibleGraph(graph: TopologyGraph, filter: TopologyFilter): TopologyGraph {
  const dropped = new Set(graph.nodes.filter((n) => hidden(n, filter)).map((n) => n.id));
  const nodes = graph.nodes.filter((n) => !dropped.has(n.id) && !(n.parent !== null && dropped.has(n.parent)));
  const kept = new Set(nodes.map((n) => n.id));
  return { nodes, edges: graph.edges.filter((e) => kept.has(e.source) && kept.has(e.target)) };
}
