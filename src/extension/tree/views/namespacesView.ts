// The Namespaces view: the host first, then each namespace with its interfaces, routes and errors.
import type { ViewModel } from '../provider';
import { interfaceItem, interfaceTooltip } from '../items/interfaceItem';
import {
  errorItem,
  namespaceItem,
  namespaceTooltip,
  routeItem,
  routesItem,
  routeTooltip,
} from '../items/namespaceItem';
import { interfaceVisible, namespaceVisible } from '../filter';
import type { TreeNode } from '../nodes';

export const namespacesView: ViewModel = {
  roots: (idx, filter) =>
    idx.snapshot.namespaces
      .filter((ns) => namespaceVisible(ns, filter, idx.snapshot))
      .map((ns) => ({ kind: 'namespace', ns: ns.id })),

  children(node, idx, filter) {
    if (node.kind === 'namespace') {
      const ns = idx.namespaces.get(node.ns);
      if (!ns) return [];
      const out: TreeNode[] = ns.interfaces
        .filter((i) => interfaceVisible(i, filter))
        .map((i) => ({ kind: 'interface', ns: ns.id, ifname: i.name }));
      if (ns.routes.length) out.push({ kind: 'routes', ns: ns.id });
      idx.snapshot.errors.forEach((e, index) => {
        if (e.namespace === ns.id) out.push({ kind: 'nsError', ns: ns.id, index });
      });
      return out;
    }
    if (node.kind === 'routes')
      return (idx.namespaces.get(node.ns)?.routes ?? []).map((_, index) => ({ kind: 'route', ns: node.ns, index }));
    return [];
  },

  item(node, idx) {
    switch (node.kind) {
      case 'namespace': {
        const ns = idx.namespaces.get(node.ns);
        return ns && namespaceItem(ns, idx);
      }
      case 'interface': {
        const i = idx.iface(node.ns, node.ifname);
        return i && interfaceItem(i, idx);
      }
      case 'routes': {
        const ns = idx.namespaces.get(node.ns);
        return ns && routesItem(ns);
      }
      case 'route': {
        const r = idx.namespaces.get(node.ns)?.routes[node.index];
        return r && routeItem(r);
      }
      case 'nsError': {
        const e = idx.snapshot.errors[node.index];
        return e && errorItem(`${e.reason}: ${e.message}`, e.command);
      }
      default:
        return undefined;
    }
  },

  tooltip(node, idx) {
    const ns = 'ns' in node && typeof node.ns === 'string' ? idx.namespaces.get(node.ns) : undefined;
    if (!ns) return undefined;
    if (node.kind === 'namespace') return namespaceTooltip(ns, idx);
    if (node.kind === 'interface') {
      const i = idx.iface(ns.id, node.ifname);
      return i && interfaceTooltip(ns, i, idx);
    }
    if (node.kind === 'route') {
      const r = ns.routes[node.index];
      return r && routeTooltip(r);
    }
    return undefined;
  },

  parent(node) {
    if (node.kind === 'interface' || node.kind === 'routes' || node.kind === 'nsError')
      return { kind: 'namespace', ns: node.ns };
    if (node.kind === 'route') return { kind: 'routes', ns: node.ns };
    return undefined;
  },
};
