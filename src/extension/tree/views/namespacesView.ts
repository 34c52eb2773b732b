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
import { interfaceVisible, namespaceVisible, NO_FILTER, type ViewFilter } from '../filter';
import type { SnapshotIndex } from '../snapshotIndex';
import * as vscode from 'vscode';
import { icon } from '../items/common';
import type { TreeNode } from '../nodes';

/**
 * The group path of a namespace a runtime runs containers in: the runtime, then the Compose project, containerlab lab
 * or Kubernetes pod of the container that owns it (`docker/compose:shop`); null for a namespace no container owns.
 */
export function groupOf(idx: SnapshotIndex, nsId: string): string | null {
  const owner = idx.containers(nsId).find((c) => c.networkMode !== 'host');
  if (!owner || idx.namespaces.get(nsId)?.kind === 'host') return null;
  const sub = owner.project
    ? `compose:${owner.project}`
    : owner.lab
      ? `lab:${owner.lab}`
      : owner.pod
        ? `pod:${owner.podNamespace ?? '-'}/${owner.pod}`
        : null;
  return sub ? `${owner.runtime}/${sub}` : owner.runtime;
}

/** What a group holds: its sub-groups (for a runtime) and the visible namespaces directly in it. */
function groupChildren(idx: SnapshotIndex, filter: ViewFilter, path: string | null): TreeNode[] {
  const visible = idx.snapshot.namespaces.filter((ns) => namespaceVisible(ns, filter, idx.snapshot));
  const paths = new Map(visible.map((ns) => [ns.id, groupOf(idx, ns.id)]));
  const groups = [...new Set([...paths.values()].filter((p): p is string => p !== null))];
  const subGroups =
    path === null
      ? [...new Set(groups.map((p) => p.split('/')[0]!))]
      : path.includes('/')
        ? []
        : [...new Set(groups.filter((p) => p.startsWith(`${path}/`)))];
  const direct = visible.filter((ns) => paths.get(ns.id) === path);
  // The host first, then the groups, then the namespaces no container owns.
  const host = direct.filter((ns) => ns.kind === 'host');
  const rest = direct.filter((ns) => ns.kind !== 'host');
  return [
    ...host.map((ns): TreeNode => ({ kind: 'namespace', ns: ns.id })),
    ...subGroups.sort().map((p): TreeNode => ({ kind: 'nsGroup', path: p })),
    ...rest.map((ns): TreeNode => ({ kind: 'namespace', ns: ns.id })),
  ];
}

export const namespacesView: ViewModel = {
  // Grouped by runtime, then project, lab or pod, when a runtime names containers; a flat list otherwise.
  roots: (idx, filter) => groupChildren(idx, filter, null),

  children(node, idx, filter) {
    if (node.kind === 'nsGroup') return groupChildren(idx, filter, node.path);
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
      case 'nsGroup':
        return groupItem(node.path, groupChildren(idx, NO_FILTER, node.path).length);
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

  parent(node, idx) {
    if (node.kind === 'namespace' && idx) {
      const path = groupOf(idx, node.ns);
      return path ? { kind: 'nsGroup', path } : undefined;
    }
    if (node.kind === 'nsGroup' && node.path.includes('/')) return { kind: 'nsGroup', path: node.path.split('/')[0]! };
    if (node.kind === 'interface' || node.kind === 'routes' || node.kind === 'nsError')
      return { kind: 'namespace', ns: node.ns };
    if (node.kind === 'route') return { kind: 'routes', ns: node.ns };
    return undefined;
  },
};

/** A group row: `docker`, or `shop` (Compose project), `lab1` (containerlab), `default/web-0` (pod). */
function groupItem(path: string, count: number): vscode.TreeItem {
  const last = path.split('/').at(-1)!;
  const [kind, name] = last.includes(':')
    ? [last.slice(0, last.indexOf(':')), last.slice(last.indexOf(':') + 1)]
    : ['runtime', last];
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Expanded);
  item.description =
    kind === 'compose'
      ? 'Compose project'
      : kind === 'lab'
        ? 'containerlab'
        : kind === 'pod'
          ? 'pod'
          : `${count} item${count === 1 ? '' : 's'}`;
  item.iconPath = icon(kind === 'runtime' ? 'server-process' : 'layers');
  item.contextValue = 'namespaceGroup';
  return item;
}
