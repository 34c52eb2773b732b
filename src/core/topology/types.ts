// The topology picture as plain data: nodes (namespaces, interfaces, bridges, ports, the outside world) and edges.
import type { Family } from '../model';

export type TopologyNodeKind = 'namespace' | 'interface' | 'bridge' | 'hostPort' | 'world';
export type TopologyEdgeKind = 'veth' | 'bridgePort' | 'uplink' | 'portMapping';

/**
 * The sidebar item an element stands for, in the shape of the tree's nodes (src/extension/tree/nodes.ts),
 * so the extension can reveal it; `view` names the tree that holds it.
 */
export type TopologyRef =
  | { view: 'namespaces'; node: { kind: 'namespace'; ns: string } }
  | { view: 'namespaces'; node: { kind: 'interface'; ns: string; ifname: string } }
  | { view: 'namespaces'; node: { kind: 'route'; ns: string; index: number } }
  | { view: 'bridges'; node: { kind: 'bridge'; ns: string; name: string } }
  | { view: 'bridges'; node: { kind: 'bridgePort'; ns: string; bridge: string; ifname: string } }
  | { view: 'veths'; node: { kind: 'vethPair'; ns: string; ifname: string; peerNs: string; peerIfname: string } }
  | { view: 'nat'; node: { kind: 'mapping'; ns: string; key: string } };

/** Why an element may be hidden by a filter. */
export interface HideFlags {
  loopback?: boolean;
  down?: boolean;
  /** A namespace none of whose elements has an edge. */
  unlinked?: boolean;
}

export interface TopologyNode {
  id: string;
  kind: TopologyNodeKind;
  /** Display text, possibly several lines; untrusted names shortened, never markup. */
  label: string;
  /** Id of the enclosing namespace, or null at the top level. */
  parent: string | null;
  /** Style classes: `host`, `down`, `loopback`, mode names... */
  classes: string[];
  /** Lower-case text that search matches against: full names, addresses, ports. */
  search: string;
  hide: HideFlags;
  ref: TopologyRef | null;
  /** Plain-text details for elements with no sidebar item (the outside world). */
  details: string[];
}

export interface TopologyEdge {
  id: string;
  kind: TopologyEdgeKind;
  source: string;
  target: string;
  label: string;
  classes: string[];
  search: string;
  ref: TopologyRef | null;
  details: string[];
  family?: Family;
}

export interface TopologyGraph {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export interface TopologyFilter {
  showLoopback: boolean;
  showDown: boolean;
  showUnlinked: boolean;
}

export const DEFAULT_TOPOLOGY_FILTER: TopologyFilter = { showLoopback: false, showDown: true, showUnlinked: true };
