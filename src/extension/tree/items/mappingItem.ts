// Tree items for published ports: `0.0.0.0:6379/tcp → 172.17.0.2:6379 (redis)`.
import * as vscode from 'vscode';
import { mappingText } from '../../../core/labels';
import { codeBlock, escapeMarkdown } from '../../../core/markdown';
import type { PortMapping } from '../../../core/model';
import { endpoint } from '../../../core/net/address';
import { serviceText, type ServiceGroup } from '../../../core/services';
import type { SnapshotIndex } from '../snapshotIndex';
import { field, icon, plural, safeMarkdown } from './common';
import { withoutCounters } from '../../../core/iptables/print';

export function mappingsRootItem(count: number): vscode.TreeItem {
  const item = new vscode.TreeItem('Port mappings', vscode.TreeItemCollapsibleState.Expanded);
  item.description = plural(count, 'mapping');
  item.iconPath = icon('arrow-swap');
  item.contextValue = 'portMappings';
  return item;
}

export function servicesRootItem(count: number): vscode.TreeItem {
  const item = new vscode.TreeItem('Services', vscode.TreeItemCollapsibleState.Collapsed);
  item.description = plural(count, 'service');
  item.iconPath = icon('cloud');
  item.contextValue = 'services';
  item.tooltip =
    'Kubernetes Services: ClusterIPs, NodePorts, external and load-balancer addresses, from kube-proxy’s rules. They are not ports this host publishes.';
  return item;
}

/** `10.96.0.1:443/tcp default/kubernetes:https`, described by kind and endpoints. */
export function serviceItem(g: ServiceGroup, idx: SnapshotIndex): vscode.TreeItem {
  const v = g.service;
  const item = new vscode.TreeItem(
    `${endpoint(v.ip, v.port === null ? null : String(v.port))}/${v.protocol}${v.name ? ` ${v.name}` : ''}`,
    vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.description = `${v.kind} · ${plural(v.endpoints.length, 'endpoint')}${
    idx.snapshot.namespaces.length > 1 ? ` · ${idx.label(v.namespace)}` : ''
  }`;
  item.iconPath = icon('cloud');
  item.contextValue = 'service';
  // Plain text (not Markdown): the name comes from the rules' comments.
  item.tooltip = serviceText(v, (id: string) => idx.label(id));
  return item;
}

export function mappingGroupItem(nsId: string, count: number, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(idx.label(nsId), vscode.TreeItemCollapsibleState.Expanded);
  item.description = plural(count, 'mapping');
  item.iconPath = icon('server');
  item.contextValue = 'portMappingGroup';
  return item;
}

export function mappingLabel(m: PortMapping, idx: SnapshotIndex): string {
  return `${mappingText(m)}${m.targetNamespace ? ` (${idx.label(m.targetNamespace)})` : ''}`;
}

export function mappingItem(m: PortMapping, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(mappingLabel(m, idx), vscode.TreeItemCollapsibleState.None);
  item.description = [m.service ? 'service' : undefined, m.owner, m.hooks.length ? undefined : 'not reached']
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(m.service ? 'globe' : 'arrow-right', m.owner === 'netns-explorer' ? 'charts.green' : undefined);
  item.contextValue = `portMapping.${m.owner === 'netns-explorer' ? 'managed' : m.owner}`;
  return item;
}

export function mappingTooltip(
  m: PortMapping,
  idx: SnapshotIndex,
  explanation: string | undefined,
): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### ${escapeMarkdown(mappingLabel(m, idx))}\n\n`);
  if (explanation) md.appendMarkdown(`${escapeMarkdown(explanation)}\n\n`);
  field(md, 'Published by', m.owner);
  if (m.owner === 'netns-explorer')
    md.appendMarkdown(
      'Made by Netns Explorer: delete it with **Delete Port Mapping**, which removes its companion rules, hooks and chains too.\n\n',
    );
  field(
    md,
    'Rule in',
    `${idx.label(m.namespace)}, ${m.ruleRef.table} / ${m.ruleRef.chain} rule ${m.ruleRef.index + 1}`,
  );
  field(
    md,
    'Reached from',
    m.hooks.length ? `${m.chainPath.join(' → ')} (hooks: ${m.hooks.join(', ')})` : 'no hook reaches this rule',
  );
  field(
    md,
    'Target',
    m.targetNamespace
      ? `${m.targetInterface ?? '?'} in ${idx.label(m.targetNamespace)}`
      : 'no namespace here owns this address',
  );
  const procs = m.targetNamespace ? (idx.namespaces.get(m.targetNamespace)?.processes ?? []) : [];
  if (procs.length)
    field(
      md,
      'Processes there',
      procs
        .slice(0, 8)
        .map((p) => `${p.pid} ${p.command}`)
        .join(', '),
    );
  // The explanation already quotes the comment.
  if (!explanation) field(md, 'Comment', m.comment);
  if (m.service) field(md, 'Service address', 'not an address of this namespace (a ClusterIP): not a host port');
  md.appendMarkdown('\n');
  md.appendMarkdown(codeBlock(withoutCounters(m.rule), 'iptables'));
  return md;
}
