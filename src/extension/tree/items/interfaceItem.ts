// Tree items for interfaces: addresses, state, and for a veth the peer's namespace and name.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../../../core/markdown';
import type { Namespace, NetInterface } from '../../../core/model';
import type { SnapshotIndex } from '../snapshotIndex';
import { field, icon, safeMarkdown } from './common';

const KIND_ICON: Record<NetInterface['kind'], string> = {
  loopback: 'sync',
  veth: 'plug',
  bridge: 'type-hierarchy',
  physical: 'globe',
  vlan: 'tag',
  vxlan: 'cloud',
  macvlan: 'split-horizontal',
  ipvlan: 'split-horizontal',
  tun: 'debug-disconnect',
  dummy: 'circle-outline',
  other: 'symbol-interface',
};

export const isDown = (i: NetInterface): boolean =>
  i.state === 'DOWN' || i.state === 'LOWERLAYERDOWN' || !i.flags.includes('UP');

export function peerText(iface: NetInterface, idx: SnapshotIndex): string | undefined {
  if (!iface.peer) return undefined;
  return `⇄ ${iface.peer.ifname} (${idx.label(iface.peer.namespace)})`;
}

export function interfaceItem(iface: NetInterface, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(iface.name, vscode.TreeItemCollapsibleState.None);
  const addresses = iface.addresses.filter((a) => !a.startsWith('fe80:'));
  item.description = [
    addresses.join(' '),
    peerText(iface, idx),
    iface.master ? `master ${iface.master}` : undefined,
    isDown(iface) ? iface.state.toLowerCase() : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(KIND_ICON[iface.kind], isDown(iface) ? 'disabledForeground' : undefined);
  item.contextValue = `${iface.kind === 'veth' ? 'veth' : 'interface'}${iface.addresses.length ? '.hasAddress' : ''}`;
  return item;
}

export function interfaceTooltip(ns: Namespace, iface: NetInterface, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### ${escapeMarkdown(iface.name)} (${escapeMarkdown(iface.infoKind ?? iface.kind)})\n\n`);
  field(md, 'Namespace', idx.label(ns.id));
  field(md, 'State', `${iface.state} (${iface.flags.join(', ')})`);
  field(md, 'MAC', iface.mac);
  field(md, 'MTU', iface.mtu);
  field(md, 'ifindex', iface.ifindex);
  field(md, 'Addresses', iface.addresses.join(', ') || 'none');
  field(md, 'Master', iface.master);
  if (iface.kind === 'veth') {
    field(
      md,
      'Peer',
      iface.peer
        ? `${iface.peer.ifname} in ${idx.label(iface.peer.namespace)}`
        : `not resolved (peer ifindex ${iface.linkIndex ?? '?'}, nsid ${iface.linkNetnsId ?? 'local'})`,
    );
    const peer = iface.peer ? idx.iface(iface.peer.namespace, iface.peer.ifname) : undefined;
    if (peer) {
      field(md, 'Peer addresses', peer.addresses.join(', ') || 'none');
      field(md, 'Peer master', peer.master);
    }
  }
  if (iface.kind === 'bridge') {
    field(
      md,
      'Ports',
      ns.interfaces
        .filter((p) => p.master === iface.name)
        .map((p) => p.name)
        .join(', ') || 'none',
    );
  }
  return md;
}
