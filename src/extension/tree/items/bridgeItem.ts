// Tree items for bridges and their ports, each port resolved to the namespace at the other end, like `brctl show`.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../../../core/markdown';
import type { Bridge } from '../../../core/model';
import type { SnapshotIndex } from '../snapshotIndex';
import { networkOfBridge } from '../../../core/runtime';
import { field, icon, plural, safeMarkdown } from './common';

/** `appnet (br-22f45755cc8f)` when a runtime names the network the bridge belongs to, else the bridge's name. */
export function bridgeLabel(b: Bridge, idx: SnapshotIndex): string {
  const network = networkOfBridge(idx.snapshot, b.namespace, b.name);
  return network && network.name !== b.name ? `${network.name} (${b.name})` : b.name;
}

export function bridgeItem(b: Bridge, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(
    bridgeLabel(b, idx),
    b.ports.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
  );
  item.description = [
    idx.label(b.namespace),
    b.addresses.filter((a) => !a.startsWith('fe80:')).join(' '),
    plural(b.ports.length, 'port'),
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon('type-hierarchy');
  item.contextValue = `bridge${b.addresses.length ? '.hasAddress' : ''}`;
  return item;
}

export function bridgeTooltip(b: Bridge, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  const iface = idx.iface(b.namespace, b.name);
  md.appendMarkdown(`### Bridge ${escapeMarkdown(bridgeLabel(b, idx))}\n\n`);
  const network = networkOfBridge(idx.snapshot, b.namespace, b.name);
  if (network) field(md, 'Network', `${network.name} (${network.runtime}, ${network.driver ?? 'bridge'})`);
  field(md, 'Namespace', idx.label(b.namespace));
  field(md, 'Addresses (subnets)', b.addresses.join(', ') || 'none');
  field(md, 'State', iface?.state);
  field(md, 'MAC', iface?.mac);
  field(md, 'MTU', iface?.mtu);
  field(md, 'Ports', b.ports.join(', ') || 'none');
  return md;
}

/** Where a bridge port leads: the veth's other end, its namespace and addresses. */
export function portDestination(b: Bridge, port: string, idx: SnapshotIndex): { text: string; nsId: string | null } {
  const iface = idx.iface(b.namespace, port);
  if (!iface?.peer) return { text: iface?.kind === 'veth' ? 'peer not resolved' : (iface?.kind ?? ''), nsId: null };
  const peer = idx.iface(iface.peer.namespace, iface.peer.ifname);
  const addrs = peer?.addresses.filter((a) => !a.startsWith('fe80:')).join(' ');
  return {
    text: `→ ${iface.peer.ifname} · ${idx.label(iface.peer.namespace)}${addrs ? ` (${addrs})` : ''}`,
    nsId: iface.peer.namespace,
  };
}

export function bridgePortItem(b: Bridge, port: string, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(port, vscode.TreeItemCollapsibleState.None);
  const hairpin = idx.iface(b.namespace, port)?.hairpin === true ? ' · hairpin' : '';
  item.description = `${portDestination(b, port, idx).text}${hairpin}`;
  item.iconPath = icon('plug');
  item.contextValue = 'bridgePort';
  return item;
}

export function bridgePortTooltip(b: Bridge, port: string, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  const iface = idx.iface(b.namespace, port);
  md.appendMarkdown(`### Port ${escapeMarkdown(port)} of ${escapeMarkdown(b.name)}\n\n`);
  field(md, 'Leads to', portDestination(b, port, idx).text.replace(/^→ /, ''));
  field(md, 'State', iface?.state);
  field(md, 'MAC', iface?.mac);
  field(md, 'MTU', iface?.mtu);
  if (iface?.hairpin !== undefined)
    field(
      md,
      'Hairpin',
      iface.hairpin
        ? 'on: a frame may go back out this port (a container reaching its own published port)'
        : 'off: a frame that must go back out this port is dropped',
    );
  if (iface?.peer) {
    const ns = idx.namespaces.get(iface.peer.namespace);
    field(md, 'Container mode', ns?.mode);
    field(
      md,
      'Processes',
      ns?.processes
        .slice(0, 8)
        .map((p) => `${p.pid} ${p.command}`)
        .join(', '),
    );
  }
  return md;
}
