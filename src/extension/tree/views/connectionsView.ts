// The Connections view: the connections the kernel tracks, per namespace (by container name when a runtime names it),
// each with its original and reply tuples, state, NAT, counters, and for a DNATed one the port mapping that
// translated it. Read every few seconds while the view is visible (extension/connections.ts).
import * as vscode from 'vscode';
import { connectionText, type Connection } from '../../../core/conntrack';
import { labelOrId, mappingText } from '../../../core/labels';
import { visibleText } from '../../../core/markdown';
import type { ConnectionsMonitor, ConnectionsReading } from '../../connections';
import { icon } from '../items/common';
import { SnapshotIndex } from '../snapshotIndex';

export type ConnectionNode =
  | { kind: 'message'; text: string }
  | { kind: 'connNamespace'; ns: string }
  | { kind: 'connection'; ns: string; index: number }
  | { kind: 'connError'; ns: string };

export class ConnectionsTreeProvider implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private byNs = new Map<string, Connection[]>();
  private reading: ConnectionsReading | null = null;
  /** The reading's snapshot, indexed: a connection's mapping by its key. */
  private index: SnapshotIndex | null = null;
  private readonly subscription: vscode.Disposable;

  constructor(
    monitor: ConnectionsMonitor,
    private readonly readOnly: () => boolean,
  ) {
    this.subscription = monitor.onDidChange((r) => this.show(r));
    if (monitor.last) this.show(monitor.last);
  }

  private show(r: ConnectionsReading): void {
    this.reading = r;
    if (this.index?.snapshot !== r.snapshot) this.index = new SnapshotIndex(r.snapshot);
    this.byNs = new Map();
    for (const c of r.connections) {
      const list = this.byNs.get(c.namespace) ?? [];
      list.push(c);
      this.byNs.set(c.namespace, list);
    }
    this.changed.fire(undefined);
  }

  /** One line for the view's message: how many, when. */
  summary(): string {
    const r = this.reading;
    if (!r) return this.readOnly() ? 'Connections need root: Grant Access first.' : 'Reading connections…';
    const translated = r.connections.filter((c) => c.dnat).length;
    return `${r.connections.length} connections, ${translated} translated · read ${r.at.toLocaleTimeString()}`;
  }

  getChildren(node?: ConnectionNode): ConnectionNode[] {
    const r = this.reading;
    if (!node) {
      if (!r) return [{ kind: 'message', text: this.summary() }];
      const ids = r.snapshot.namespaces
        .map((n) => n.id)
        .filter((id) => this.byNs.has(id) || r.errors.some((e) => e.namespace === id));
      return ids.length
        ? ids.map((ns) => ({ kind: 'connNamespace', ns }))
        : [{ kind: 'message', text: 'No connections tracked.' }];
    }
    if (node.kind !== 'connNamespace') return [];
    const errors: ConnectionNode[] = r?.errors.some((e) => e.namespace === node.ns)
      ? [{ kind: 'connError', ns: node.ns }]
      : [];
    return [
      ...errors,
      ...(this.byNs.get(node.ns) ?? []).map((_, index) => ({ kind: 'connection' as const, ns: node.ns, index })),
    ];
  }

  getTreeItem(node: ConnectionNode): vscode.TreeItem {
    const r = this.reading;
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = icon('info');
        return item;
      }
      case 'connNamespace': {
        const ns = r?.snapshot.namespaces.find((n) => n.id === node.ns);
        const list = this.byNs.get(node.ns) ?? [];
        const item = new vscode.TreeItem(visibleText(labelOrId(ns, node.ns)), vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${list.length} connection${list.length === 1 ? '' : 's'}${
          list.some((c) => c.dnat) ? ` · ${list.filter((c) => c.dnat).length} DNAT` : ''
        }`;
        item.iconPath = icon(ns?.kind === 'host' ? 'vm' : 'symbol-namespace');
        item.id = `conns:${node.ns}`;
        return item;
      }
      case 'connError': {
        const e = r?.errors.find((x) => x.namespace === node.ns);
        const item = new vscode.TreeItem(visibleText(e?.error ?? 'could not be read'));
        item.iconPath = icon('warning', 'problemsWarningIcon.foreground');
        return item;
      }
      case 'connection': {
        const c = this.byNs.get(node.ns)?.[node.index];
        if (!c || !r) return new vscode.TreeItem('(gone)');
        const m = c.mapping ? this.index?.mapping(c.namespace, c.mapping) : undefined;
        const item = new vscode.TreeItem(visibleText(connectionText(c)));
        item.description = m
          ? `mapping ${visibleText(mappingText(m))}`
          : c.dnat
            ? 'DNAT, no mapping found'
            : c.flags.join(' ');
        // A plain-string tooltip is not Markdown: the line as conntrack printed it, shown literally.
        item.tooltip = `${visibleText(c.line)}${m ? `\n\nTranslated by the port mapping ${visibleText(mappingText(m))}` : ''}`;
        item.iconPath = icon(c.dnat ? 'arrow-swap' : 'arrow-right');
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
