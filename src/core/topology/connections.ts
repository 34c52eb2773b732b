// The topology's live-connections overlay: each connection the kernel tracks, drawn from the namespace of its client
// to the namespace of its server (after DNAT: where it really goes), or to/from the outside world for an address no
// namespace holds. A flow is listed by every namespace it crosses (client, host, server): it is counted once. Edges
// are grouped by client, server, protocol and server port, with a count.
import { AddressOwners } from '../addressOwners';
import type { Connection } from '../conntrack';
import type { Snapshot } from '../model';
import { isLoopback } from '../net/address';
import { WORLD_ID, connectionEdgeId, namespaceNodeId } from './ids';
import type { TopologyEdge, TopologyGraph } from './types';

/** Group traffic (IGMP, mDNS, neighbour discovery): not a connection between two places. */
const isMulticast = (ip: string): boolean =>
  ip.includes(':') ? /^ff/i.test(ip) : Number(ip.split('.')[0]) >= 224 && Number(ip.split('.')[0]) <= 239;

export function connectionEdges(
  graph: TopologyGraph,
  snapshot: Snapshot,
  connections: readonly Omit<Connection, 'mapping'>[],
): TopologyEdge[] {
  const owners = new AddressOwners(snapshot.namespaces);
  const drawn = new Set(graph.nodes.map((n) => n.id));
  /** The element that stands for an address: its namespace (or the group it is folded into), else the world. */
  const nodeOf = (ip: string, seenIn: string): string | null => {
    const owner = owners.ownerOf(ip, seenIn);
    const id = owner ? namespaceNodeId(owner.ns.id) : WORLD_ID;
    const shown = drawn.has(id) ? id : graph.aliases?.[id];
    return shown !== undefined && drawn.has(shown) ? shown : null;
  };
  const flows = new Set<string>();
  const grouped = new Map<string, { edge: TopologyEdge; count: number; lines: string[] }>();
  for (const c of connections) {
    if (isLoopback(c.original.src) || isLoopback(c.reply.src) || isMulticast(c.original.dst)) continue;
    const flow = [c.protocol, c.original.src, c.original.sport, c.reply.src, c.reply.sport].join(' ');
    if (flows.has(flow)) continue;
    flows.add(flow);
    const from = nodeOf(c.original.src, c.namespace);
    const to = nodeOf(c.reply.src, c.namespace);
    if (from === null || to === null || from === to) continue;
    const port = c.reply.sport;
    const id = connectionEdgeId(from, to, c.protocol, port);
    let g = grouped.get(id);
    if (!g) {
      g = {
        edge: {
          id,
          kind: 'connection',
          source: from,
          target: to,
          label: `${c.protocol}${port === null ? '' : `/${port}`}`,
          classes: ['connection', ...(c.dnat ? ['dnat'] : [])],
          search: `connection ${c.protocol} ${port ?? ''}`.trim(),
          ref: null,
          details: [],
        },
        count: 0,
        lines: [],
      };
      grouped.set(id, g);
    }
    g.count++;
    if (g.lines.length < 20) g.lines.push(c.line);
  }
  return [...grouped.values()].map(({ edge, count, lines }) => ({
    ...edge,
    label: `${edge.label} ×${count}`,
    details: [`${count} live connection${count === 1 ? '' : 's'}`, ...lines],
  }));
}
