// The topology picture as plain data: nodes (namespaces, interfaces, bridges, ports, the outside world) and edges.

/**
 * `network`: a bridge's box (a Docker, Podman or CNI network when the runtime says so), holding the bridge and the
 * namespaces cabled to it; `group`: the members of a network with too many to draw, as one node with a count;
 * `ports`: a namespace's published bindings, as one badge; `hostPort`: a binding whose target is not drawn.
 */
export type TopologyNodeKind =
  'namespace' | 'network' | 'group' | 'interface' | 'bridge' | 'ports' | 'hostPort' | 'world';
/** `connection`: the live-connections overlay, client's namespace to server's (core/topology/connections.ts). */
export type TopologyEdgeKind = 'veth' | 'bridgePort' | 'uplink' | 'connection';

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
  /** Id of the enclosing namespace, network or group, or null at the top level. */
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
}

export interface TopologyGraph {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /**
   * Ids of things folded into another element, to the element that stands for them: a bridge port's host-side veth
   * into its cable, a published binding into its namespace's badge, a collapsed network's members into its group.
   * The tree's selection is highlighted through it.
   */
  aliases?: Record<string, string>;
}

export interface TopologyFilter {
  showLoopback: boolean;
  showDown: boolean;
  showUnlinked: boolean;
}

export const DEFAULT_TOPOLOGY_FILTER: TopologyFilter = { showLoopback: false, showDown: true, showUnlinked: true };
