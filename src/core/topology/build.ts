// Snapshot → topology graph: namespaces as groups of their interfaces, bridges with ports, veth pairs, uplinks,
// published ports.
import { mappingKey, mappingText, namespaceLabel, portText } from '../labels';
import type { Namespace, NetInterface, PortMapping, Snapshot } from '../model';
import {
  WORLD_ID,
  bridgePortEdgeId,
  hostPortNodeId,
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
  const label = [displayName(name), ns.kind === 'host' ? 'host' : `${ns.mode} · ${ns.kind}`, addressLine(addresses)]
    .filter(Boolean)
    .join('\n');
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

/** `6379/tcp`, or `8080/tcp → 80` when the container port differs. */
export function mappingEdgeLabel(m: PortMapping): string {
  const host = `${portText(m.hostPort)}/${m.protocol}`;
  return m.targetPort === m.hostPort ? host : `${host} → ${portText(m.targetPort)}`;
}

export function buildTopology(snapshot: Snapshot): TopologyGraph {
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const addEdge = (e: TopologyEdge) => {
    if (nodes.has(e.source) && nodes.has(e.target) && !edges.has(e.id)) edges.set(e.id, e);
  };
  const labels = new Map(snapshot.namespaces.map((ns) => [ns.id, namespaceLabel(ns)]));

  for (const ns of snapshot.namespaces) {
    nodes.set(namespaceNodeId(ns.id), namespaceNode(ns));
    for (const i of ns.interfaces) nodes.set(interfaceNodeId(ns.id, i.name), interfaceNode(ns, i));
  }

  for (const p of snapshot.vethPairs) {
    addEdge({
      id: vethEdgeId(p.a.namespace, p.a.ifname),
      kind: 'veth',
      source: interfaceNodeId(p.a.namespace, p.a.ifname),
      target: interfaceNodeId(p.b.namespace, p.b.ifname),
      label: '',
      classes: [],
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
      details: [],
    });
  }

  for (const b of snapshot.bridges) {
    for (const port of b.ports) {
      addEdge({
        id: bridgePortEdgeId(b.namespace, b.name, port),
        kind: 'bridgePort',
        source: interfaceNodeId(b.namespace, b.name),
        target: interfaceNodeId(b.namespace, port),
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

  // Published host ports only: a service address (ClusterIP) is not a port of the host, and a node would crowd it.
  for (const m of snapshot.portMappings) {
    if (m.service) continue;
    const port = portText(m.hostPort);
    const hpId = hostPortNodeId(m.namespace, m.hostIp, port);
    if (!nodes.has(hpId) && nodes.has(namespaceNodeId(m.namespace))) {
      nodes.set(hpId, {
        id: hpId,
        kind: 'hostPort',
        label: hostPortText(m.hostIp, port),
        parent: namespaceNodeId(m.namespace),
        classes: [],
        search: lower(hostPortText(m.hostIp, port)),
        hide: {},
        ref: { view: 'nat', node: { kind: 'mapping', ns: m.namespace, key: mappingKey(m) } },
        details: [],
      });
    }
    const hp = nodes.get(hpId);
    if (!hp) continue;
    hp.search += ` ${lower(`${port}/${m.protocol}`)}`;
    const target =
      m.targetNamespace && m.targetInterface ? interfaceNodeId(m.targetNamespace, m.targetInterface) : null;
    if (!target || !nodes.has(target)) {
      hp.details.push(`${mappingText(m)}: no namespace here owns ${m.targetIp}`);
      continue;
    }
    const managed = m.owner === 'netns-explorer';
    addEdge({
      id: mappingEdgeId(m.namespace, mappingKey(m)),
      kind: 'portMapping',
      source: hpId,
      target,
      label: mappingEdgeLabel(m),
      classes: [managed ? 'managed' : `owner-${m.owner}`, ...(m.hooks.length ? [] : ['unreached'])],
      search: lower(
        mappingText(m),
        `${port}/${m.protocol}`,
        m.owner,
        m.targetNamespace ? labels.get(m.targetNamespace) : null,
      ),
      ref: { view: 'nat', node: { kind: 'mapping', ns: m.namespace, key: mappingKey(m) } },
      details: [],
      family: m.family,
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
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
