// Snapshot → topology graph, network-centric: the host is a frame around its networks (a bridge's box holding the
// namespaces cabled to it) and its uplinks; a namespace's published bindings are one badge; a network with too many
// members is one group with a count until expanded. Ids follow the kernel objects, so they survive refreshes.
import { mappingKey, mappingText, namespaceLabel, portText } from '../labels';
import type { Namespace, NetInterface, PortMapping, Snapshot } from '../model';
import { prefixOf } from '../net/address';
import { portRowBadge, portRows, portRowText } from '../portRows';
import { networkOfBridge } from '../runtime';
import { isServiceMapping } from '../services';
import {
  WORLD_ID,
  bridgePortEdgeId,
  groupEdgeId,
  groupNodeId,
  hostPortNodeId,
  networkNodeId,
  portsNodeId,
  interfaceNodeId,
  mappingEdgeId,
  namespaceNodeId,
  uplinkEdgeId,
  vethEdgeId,
} from './ids';
import { addressLine, displayName, hostPortText, isDown } from './text';
import type { TopologyEdge, TopologyGraph, TopologyNode } from './types';
import { findUplink } from './uplink';

const lower = (...parts: (string | number | null | undefined)[]): string =>
  parts
    .filter((p) => p !== null && p !== undefined && p !== '')
    .join(' ')
    .toLowerCase();

function namespaceNode(ns: Namespace): TopologyNode {
  const name = namespaceLabel(ns);
  const addresses = ns.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => i.addresses);
  // Name and mode: the addresses are on the interfaces, shown at a closer zoom.
  const label = ns.kind === 'host' ? 'host' : [displayName(name), `${ns.mode} · ${ns.kind}`].join('\n');
  return {
    id: namespaceNodeId(ns.id),
    kind: 'namespace',
    label,
    parent: null,
    classes: [ns.kind === 'host' ? 'host' : 'container', `mode-${ns.mode}`],
    search: lower(name, ns.mode, ns.kind, ns.id, ...addresses, ...ns.processes.map((p) => `${p.pid} ${p.command}`)),
    hide: {},
    ref: { view: 'namespaces', node: { kind: 'namespace', ns: ns.id } },
    details: [],
  };
}

function interfaceNode(ns: Namespace, i: NetInterface): TopologyNode {
  const down = isDown(i);
  const bridge = i.kind === 'bridge';
  return {
    id: interfaceNodeId(ns.id, i.name),
    kind: bridge ? 'bridge' : 'interface',
    label: [displayName(i.name), addressLine(i.addresses)].filter(Boolean).join('\n'),
    parent: namespaceNodeId(ns.id),
    classes: [`if-${i.kind}`, ...(down ? ['down'] : []), ...(i.kind === 'loopback' ? ['loopback'] : [])],
    search: lower(i.name, ...i.addresses, i.mac),
    hide: { ...(i.kind === 'loopback' ? { loopback: true } : {}), ...(down ? { down: true } : {}) },
    ref: bridge
      ? { view: 'bridges', node: { kind: 'bridge', ns: ns.id, name: i.name } }
      : { view: 'namespaces', node: { kind: 'interface', ns: ns.id, ifname: i.name } },
    details: [],
  };
}

/** A network with more members than this is drawn as one group with a count, until expanded. */
export const COLLAPSE_ABOVE = 50;

export interface TopologyOptions {
  /** Networks (their node ids) whose members are drawn one by one however many they are. */
  expanded?: ReadonlySet<string>;
  collapseAbove?: number;
}

/** The network's title and its second line: `appnet` / `br-22f45755cc8f · 172.18.0.0/16`, or `docker0` / subnet. */
function networkLabel(snapshot: Snapshot, ns: string, bridge: NetInterface): string {
  const net = networkOfBridge(snapshot, ns, bridge.name);
  const subnets = net?.subnets.length
    ? net.subnets
    : bridge.addresses.filter((a) => !a.startsWith('fe80')).map(prefixOf);
  const second = [net ? displayName(bridge.name) : '', subnets.slice(0, 2).join(' ')].filter(Boolean).join(' · ');
  return [displayName(net?.name ?? bridge.name), second].filter(Boolean).join('\n');
}

export function buildTopology(snapshot: Snapshot, options: TopologyOptions = {}): TopologyGraph {
  const collapseAbove = options.collapseAbove ?? COLLAPSE_ABOVE;
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const aliases: Record<string, string> = {};
  const addEdge = (e: TopologyEdge) => {
    if (nodes.has(e.source) && nodes.has(e.target) && !edges.has(e.id)) edges.set(e.id, e);
  };
  const labels = new Map(snapshot.namespaces.map((ns) => [ns.id, namespaceLabel(ns)]));
  const byId = new Map(snapshot.namespaces.map((ns) => [ns.id, ns]));

  for (const ns of snapshot.namespaces) {
    nodes.set(namespaceNodeId(ns.id), namespaceNode(ns));
    for (const i of ns.interfaces) nodes.set(interfaceNodeId(ns.id, i.name), interfaceNode(ns, i));
  }

  // Networks: each bridge a box in its namespace, holding the bridge and the namespaces whose cable ends on it. A
  // namespace goes into the first network it is cabled to (unless it holds bridges itself, as a lab's host does); its
  // cables to others cross between boxes. The host-side end of a cable is folded into the cable.
  const holdsBridge = new Set(snapshot.bridges.map((b) => b.namespace));
  const placed = new Map<string, string>();
  const members = new Map<string, { ns: string; bridge: string; list: string[] }>();
  /** A folded host-side cable end → the bridge it is a port of. */
  const folded = new Map<string, string>();
  for (const b of snapshot.bridges) {
    const ns = byId.get(b.namespace);
    const br = ns?.interfaces.find((i) => i.name === b.name);
    if (!ns || !br) continue;
    const netId = networkNodeId(ns.id, b.name);
    const brNode = nodes.get(interfaceNodeId(ns.id, b.name))!;
    nodes.set(netId, {
      id: netId,
      kind: 'network',
      label: networkLabel(snapshot, ns.id, br),
      parent: namespaceNodeId(ns.id),
      classes: ['network', ...brNode.classes.filter((c) => c === 'down')],
      search: lower(b.name, networkOfBridge(snapshot, ns.id, b.name)?.name, ...br.addresses),
      hide: {},
      ref: { view: 'bridges', node: { kind: 'bridge', ns: ns.id, name: b.name } },
      details: [],
    });
    brNode.parent = netId;
    const list: string[] = [];
    members.set(netId, { ns: ns.id, bridge: b.name, list });
    for (const port of b.ports) {
      const end = ns.interfaces.find((i) => i.name === port);
      const portId = interfaceNodeId(ns.id, port);
      if (end?.kind === 'veth' && end.peer && end.peer.namespace !== ns.id && byId.has(end.peer.namespace)) {
        folded.set(portId, brNode.id);
        const x = end.peer.namespace;
        if (!placed.has(x) && !holdsBridge.has(x) && byId.get(x)!.kind !== 'host') {
          placed.set(x, netId);
          nodes.get(namespaceNodeId(x))!.parent = netId;
          list.push(x);
        }
      } else if (nodes.has(portId)) nodes.get(portId)!.parent = netId;
    }
  }

  for (const p of snapshot.vethPairs) {
    // A bridge port's cable runs from the bridge itself to the far end.
    const aId = interfaceNodeId(p.a.namespace, p.a.ifname);
    const bId = interfaceNodeId(p.b.namespace, p.b.ifname);
    const source = folded.get(aId) ?? aId;
    const target = folded.get(bId) ?? bId;
    const id = vethEdgeId(p.a.namespace, p.a.ifname);
    const hostEnd = source !== aId ? p.a.ifname : target !== bId ? p.b.ifname : null;
    addEdge({
      id,
      kind: 'veth',
      source,
      target,
      label: '',
      classes: hostEnd ? ['bridged'] : [],
      search: lower('veth', p.a.ifname, p.b.ifname),
      ref: {
        view: 'veths',
        node: {
          kind: 'vethPair',
          ns: p.a.namespace,
          ifname: p.a.ifname,
          peerNs: p.b.namespace,
          peerIfname: p.b.ifname,
        },
      },
      details: hostEnd ? [`host side: ${hostEnd}`] : [],
    });
  }
  for (const [portId] of folded) nodes.delete(portId);

  for (const b of snapshot.bridges) {
    for (const port of b.ports) {
      const portId = interfaceNodeId(b.namespace, port);
      if (folded.has(portId)) {
        const pair = snapshot.vethPairs.find(
          (p) =>
            (p.a.namespace === b.namespace && p.a.ifname === port) ||
            (p.b.namespace === b.namespace && p.b.ifname === port),
        );
        if (pair) {
          aliases[portId] = vethEdgeId(pair.a.namespace, pair.a.ifname);
          aliases[bridgePortEdgeId(b.namespace, b.name, port)] = aliases[portId];
        }
        continue;
      }
      addEdge({
        id: bridgePortEdgeId(b.namespace, b.name, port),
        kind: 'bridgePort',
        source: interfaceNodeId(b.namespace, b.name),
        target: portId,
        label: '',
        classes: [],
        search: lower(b.name, port),
        ref: { view: 'bridges', node: { kind: 'bridgePort', ns: b.namespace, bridge: b.name, ifname: port } },
        details: [],
      });
    }
  }
  for (const ns of snapshot.namespaces) {
    const up = findUplink(ns, snapshot.nat);
    if (!up) continue;
    const nat = up.sourceNat ? [up.sourceNat] : [];
    const via = `default${up.route.gateway ? ` via ${up.route.gateway}` : ''} dev ${up.iface.name}`;
    if (up.iface.kind === 'veth' && up.iface.peer) {
      // The default route leads into a namespace that is drawn: mark the cable itself, if traffic is rewritten there.
      const pair = snapshot.vethPairs.find(
        (p) =>
          (p.a.namespace === ns.id && p.a.ifname === up.iface.name) ||
          (p.b.namespace === ns.id && p.b.ifname === up.iface.name),
      );
      const edge = pair && edges.get(vethEdgeId(pair.a.namespace, pair.a.ifname));
      if (edge && nat.length) {
        edge.classes.push('uplink', 'source-nat');
        edge.label = `${nat[0]}`;
        if (up.sourceNatRule) edge.details.push(`${nat[0]} by: ${up.sourceNatRule}`);
        edge.search += ` ${lower('default', ...nat)}`;
      }
      continue;
    }
    if (!nodes.has(WORLD_ID)) {
      nodes.set(WORLD_ID, {
        id: WORLD_ID,
        kind: 'world',
        label: 'outside world',
        parent: null,
        classes: ['world'],
        search: 'outside world internet',
        hide: {},
        ref: null,
        details: [],
      });
    }
    nodes.get(WORLD_ID)!.details.push(`${labels.get(ns.id) ?? ns.id}: ${via}${nat.length ? `, ${nat[0]}` : ''}`);
    addEdge({
      id: uplinkEdgeId(ns.id, up.iface.name),
      kind: 'uplink',
      source: interfaceNodeId(ns.id, up.iface.name),
      target: WORLD_ID,
      label: nat.length ? `default · ${nat[0]}` : 'default',
      classes: nat.length ? ['source-nat'] : [],
      search: lower('default', up.route.gateway, up.iface.name, ...nat),
      ref: { view: 'namespaces', node: { kind: 'route', ns: ns.id, index: up.routeIndex } },
      details: up.sourceNatRule ? [`${nat[0]} by: ${up.sourceNatRule}`] : [],
    });
  }

  // Published bindings: one badge in each target namespace, its rows merged as the NAT view merges them.
  const published = new Map<string, PortMapping[]>();
  for (const m of snapshot.portMappings) {
    if (isServiceMapping(m)) continue;
    const target =
      m.targetNamespace && m.targetInterface ? interfaceNodeId(m.targetNamespace, m.targetInterface) : null;
    if (target && nodes.has(target) && m.targetNamespace) {
      const key = `${m.namespace}\u0000${m.targetNamespace}`;
      const list = published.get(key);
      if (list) list.push(m);
      else published.set(key, [m]);
      continue;
    }
    const port = portText(m.hostPort);
    const hpId = hostPortNodeId(m.namespace, m.hostIp, port);
    if (!nodes.has(namespaceNodeId(m.namespace))) continue;
    if (!nodes.has(hpId)) {
      nodes.set(hpId, {
        id: hpId,
        kind: 'hostPort',
        label: hostPortText(m.hostIp, port),
        parent: namespaceNodeId(m.namespace),
        classes: ['unresolved'],
        search: lower(hostPortText(m.hostIp, port)),
        hide: {},
        ref: { view: 'nat', node: { kind: 'mapping', ns: m.namespace, key: mappingKey(m) } },
        details: [],
      });
    }
    const hp = nodes.get(hpId)!;
    hp.search += ` ${lower(`${port}/${m.protocol}`)}`;
    hp.details.push(`${mappingText(m)}: no namespace here owns ${m.targetIp}`);
    aliases[mappingEdgeId(m.namespace, mappingKey(m))] = hpId;
  }
  for (const list of published.values()) {
    const { namespace, targetNamespace } = list[0]!;
    const id = portsNodeId(namespace, targetNamespace!);
    const rows = portRows(list);
    const badges = rows.map(portRowBadge);
    const shown = badges.length > 4 ? [...badges.slice(0, 3), `+${badges.length - 3} more`] : badges;
    const managed = list.some((m) => m.owner === 'netns-explorer');
    const via = namespace === targetNamespace ? '' : ` (rules in ${labels.get(namespace) ?? namespace})`;
    nodes.set(id, {
      id,
      kind: 'ports',
      label: shown.join(' · '),
      parent: namespaceNodeId(targetNamespace!),
      classes: [
        ...(managed ? ['managed'] : []),
        ...new Set(list.map((m) => `owner-${m.owner}`)),
        ...(list.every((m) => m.hooks.length === 0) ? ['unreached'] : []),
      ],
      search: lower(...rows.map(portRowText), ...list.map((m) => `${portText(m.hostPort)}/${m.protocol} ${m.owner}`)),
      hide: {},
      ref: { view: 'nat', node: { kind: 'mapping', ns: namespace, key: mappingKey(list[0]!) } },
      details: [...rows.map(portRowText).map((t) => `${t}${via}`)],
    });
    for (const m of list) aliases[mappingEdgeId(m.namespace, mappingKey(m))] = id;
  }

  // Networks with too many members: one group node with a count (expanded on request).
  for (const [netId, { ns, bridge, list }] of members) {
    if (list.length <= collapseAbove || options.expanded?.has(netId)) {
      if (list.length > collapseAbove) nodes.get(netId)!.classes.push('expanded');
      continue;
    }
    const groupId = groupNodeId(ns, bridge);
    const gone = new Set(list.map(namespaceNodeId));
    const drop = [...nodes.values()].filter(
      (n) =>
        gone.has(n.id) || (n.parent !== null && (gone.has(n.parent) || gone.has(nodes.get(n.parent)?.parent ?? ''))),
    );
    const names = list.map((x) => labels.get(x) ?? x);
    nodes.set(groupId, {
      id: groupId,
      kind: 'group',
      label: `${list.length} namespaces\n(click to expand)`,
      parent: netId,
      classes: ['group'],
      search: lower(...names),
      hide: {},
      ref: null,
      details: [
        `${list.length} namespaces cabled to ${bridge}: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`,
      ],
    });
    for (const n of drop) {
      nodes.delete(n.id);
      aliases[n.id] = groupId;
    }
    for (const e of [...edges.values()])
      if (!nodes.has(e.source) || !nodes.has(e.target)) {
        edges.delete(e.id);
        aliases[e.id] = groupId;
      }
    for (const [from, to] of Object.entries(aliases)) if (!nodes.has(to) && !edges.has(to)) aliases[from] = groupId;
    addEdge({
      id: groupEdgeId(ns, bridge),
      kind: 'bridgePort',
      source: interfaceNodeId(ns, bridge),
      target: groupId,
      label: '',
      classes: ['grouped'],
      search: '',
      ref: null,
      details: [],
    });
  }

  // A namespace is unlinked when no edge touches it or anything inside it.
  const linked = new Set<string>();
  for (const e of edges.values()) {
    for (const end of [e.source, e.target]) {
      const n = nodes.get(end);
      linked.add(end);
      if (n?.parent) linked.add(n.parent);
    }
  }
  for (const n of nodes.values())
    if (n.kind === 'namespace' && !linked.has(n.id)) {
      n.hide.unlinked = true;
      n.classes.push('unlinked');
    }
  return { nodes: [...nodes.values()], edges: [...edges.values()], aliases };
}
