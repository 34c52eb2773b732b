// Tree items for namespaces, their route group, routes and per-namespace errors.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../../../core/markdown';
import type { Namespace, Route } from '../../../core/model';
import { backendsOf, backendsText } from '../../../core/rules/backends';
import type { SnapshotIndex } from '../snapshotIndex';
import { field, icon, plural, safeMarkdown } from './common';

const MODE_ICON: Record<Namespace['mode'], string> = {
  host: 'vm',
  bridge: 'package',
  container: 'layers',
  none: 'circle-slash',
  other: 'symbol-namespace',
};

export function firstAddress(ns: Namespace): string | undefined {
  return ns.interfaces.find((i) => i.kind !== 'loopback' && i.addresses.length)?.addresses[0];
}

export function namespaceItem(ns: Namespace, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(idx.label(ns.id), vscode.TreeItemCollapsibleState.Collapsed);
  const errors = idx.snapshot.errors.filter((e) => e.namespace === ns.id).length;
  const addr = firstAddress(ns);
  // Host-mode containers share the host's namespace: their names go in its description.
  const here = ns.kind === 'host' ? idx.containers(ns.id).map((c) => c.name) : undefined;
  item.description = [
    ns.mode,
    ns.kind,
    addr,
    here?.length ? `host-mode: ${here.join(', ')}` : undefined,
    errors ? `⚠ ${plural(errors, 'error')}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = errors ? icon('warning', 'problemsWarningIcon.foreground') : icon(MODE_ICON[ns.mode]);
  item.contextValue = `namespace${addr ? '.hasAddress' : ''}`;
  return item;
}

export function namespaceTooltip(ns: Namespace, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### ${escapeMarkdown(idx.label(ns.id))}\n\n`);
  field(md, 'Mode', ns.mode);
  field(md, 'Kind', ns.kind);
  field(md, 'Namespace id (inode)', ns.id);
  const containers = idx.containers(ns.id);
  if (containers.length) {
    md.appendMarkdown(`\n**Containers (${containers.length}):**\n\n`);
    for (const c of containers.slice(0, 12)) {
      const group = c.project ? `, Compose ${c.project}/${c.service ?? '?'}` : c.lab ? `, lab ${c.lab}` : '';
      md.appendMarkdown(
        `- ${escapeMarkdown(`${c.name} (${c.runtime} ${c.id.slice(0, 12)}${c.image ? `, ${c.image}` : ''}${group})`)}\n`,
      );
    }
    md.appendMarkdown('\n');
  }
  if (ns.name && containers.length) field(md, 'Sandbox', ns.name);
  field(md, 'Paths', ns.paths.slice(0, 5).join(', ') + (ns.paths.length > 5 ? ` and ${ns.paths.length - 5} more` : ''));
  field(md, 'Interfaces', ns.interfaces.map((i) => i.name).join(', '));
  const backends = backendsOf(idx.snapshot.nat, ns.id);
  if (backends.length) field(md, 'Firewall rules in', backendsText(backends));
  if (ns.processes.length) {
    md.appendMarkdown(`\n**Processes (${ns.processes.length}):**\n\n`);
    for (const p of ns.processes.slice(0, 12))
      md.appendMarkdown(
        `- ${p.pid} ${escapeMarkdown(p.command)}${p.pidNamespace ? ` (pid ns ${p.pidNamespace})` : ''}\n`,
      );
    if (ns.processes.length > 12) md.appendMarkdown(`- … and ${ns.processes.length - 12} more\n`);
  }
  const errors = idx.snapshot.errors.filter((e) => e.namespace === ns.id);
  if (errors.length) {
    md.appendMarkdown('\n**Errors:**\n\n');
    for (const e of errors) md.appendMarkdown(`- ${escapeMarkdown(`${e.reason}: ${e.message} (${e.command})`)}\n`);
  }
  return md;
}

export function routesItem(ns: Namespace): vscode.TreeItem {
  const item = new vscode.TreeItem(
    'Routes',
    ns.routes.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.description = plural(ns.routes.length, 'route');
  item.iconPath = icon('git-compare');
  item.contextValue = 'routes';
  return item;
}

export function routeText(r: Route): string {
  return r.gateway ? `${r.dst} via ${r.gateway}` : r.dst;
}

export function routeItem(r: Route): vscode.TreeItem {
  const item = new vscode.TreeItem(routeText(r), vscode.TreeItemCollapsibleState.None);
  item.description = [
    r.dev ? `dev ${r.dev}` : undefined,
    r.protocol ?? undefined,
    r.family === 'ipv6' ? 'IPv6' : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(r.dst === 'default' ? 'globe' : 'arrow-small-right');
  item.contextValue = 'route';
  return item;
}

export function routeTooltip(r: Route): vscode.MarkdownString {
  const md = safeMarkdown();
  field(md, 'Destination', r.dst);
  field(md, 'Gateway', r.gateway);
  field(md, 'Device', r.dev);
  field(md, 'Protocol', r.protocol);
  field(md, 'Scope', r.scope);
  field(md, 'Preferred source', r.prefsrc);
  field(md, 'Metric', r.metric);
  field(md, 'Type', r.type);
  return md;
}

export function errorItem(message: string, command: string): vscode.TreeItem {
  const item = new vscode.TreeItem(message, vscode.TreeItemCollapsibleState.None);
  item.description = command;
  item.iconPath = icon('warning', 'problemsWarningIcon.foreground');
  item.contextValue = 'nsError';
  return item;
}
