// Tree items for veth pairs: `vethab12 (host) ⇄ eth0 (redis)`.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../../../core/markdown';
import type { VethPair } from '../../../core/model';
import type { SnapshotIndex } from '../snapshotIndex';
import { field, icon, safeMarkdown } from './common';

export function vethPairLabel(p: VethPair, idx: SnapshotIndex): string {
  return `${p.a.ifname} (${idx.label(p.a.namespace)}) ⇄ ${p.b.ifname} (${idx.label(p.b.namespace)})`;
}

export function vethPairItem(p: VethPair, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(vethPairLabel(p, idx), vscode.TreeItemCollapsibleState.None);
  const a = idx.iface(p.a.namespace, p.a.ifname);
  const b = idx.iface(p.b.namespace, p.b.ifname);
  item.description = [
    a?.master ? `on ${a.master}` : undefined,
    b?.addresses.filter((x) => !x.startsWith('fe80:')).join(' '),
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon('plug');
  item.contextValue = `vethPair${b?.addresses.length ? '.hasAddress' : ''}`;
  return item;
}

export function vethPairTooltip(p: VethPair, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### ${escapeMarkdown(vethPairLabel(p, idx))}\n\n`);
  for (const [end, name] of [
    [p.a, 'End A'],
    [p.b, 'End B'],
  ] as const) {
    const i = idx.iface(end.namespace, end.ifname);
    md.appendMarkdown(`#### ${name}: ${escapeMarkdown(`${end.ifname} in ${idx.label(end.namespace)}`)}\n\n`);
    // Plain labels: spaces inside `**…**` would show the asterisks literally.
    field(md, 'ifindex / MAC / MTU', i ? `${i.ifindex} / ${i.mac ?? '-'} / ${i.mtu}` : undefined);
    field(md, 'State', i?.state);
    field(md, 'Addresses', i?.addresses.join(', ') || 'none');
    field(md, 'Master', i?.master);
  }
  return md;
}
