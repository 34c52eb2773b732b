// Search over the picture: elements whose names, addresses or ports contain the text, and what they need for context.
import type { TopologyGraph } from './types';

export interface SearchResult {
  /** Elements that match. */
  matches: string[];
  /** Elements shown undimmed around the matches: enclosing boxes (every level) and the ends of matching edges. */
  context: string[];
}

export function searchGraph(graph: TopologyGraph, query: string): SearchResult {
  const needle = query.trim().toLowerCase();
  if (!needle) return { matches: [], context: [] };
  const parents = new Map(graph.nodes.map((n) => [n.id, n.parent]));
  const matches: string[] = [];
  const context = new Set<string>();
  const ancestors = (id: string) => {
    for (let p = parents.get(id); p && !context.has(p); p = parents.get(p)) context.add(p);
  };
  const withParent = (id: string) => {
    context.add(id);
    ancestors(id);
  };
  for (const n of graph.nodes) {
    if (!n.search.includes(needle)) continue;
    matches.push(n.id);
    ancestors(n.id);
  }
  for (const e of graph.edges) {
    if (!e.search.includes(needle)) continue;
    matches.push(e.id);
    withParent(e.source);
    withParent(e.target);
  }
  return { matches, context: [...context] };
}
