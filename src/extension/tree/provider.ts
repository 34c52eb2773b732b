// One TreeDataProvider class for all four views; each view supplies its roots, children and items.
import * as vscode from 'vscode';
import type { SnapshotStore, ViewFilter } from '../store';
import { nodeId, type TreeNode } from './nodes';
import { SnapshotIndex } from './snapshotIndex';

export interface ViewModel {
  roots(idx: SnapshotIndex, filter: ViewFilter): TreeNode[];
  children(node: TreeNode, idx: SnapshotIndex, filter: ViewFilter): TreeNode[];
  item(node: TreeNode, idx: SnapshotIndex): vscode.TreeItem | undefined;
  /** Built only when the user hovers (resolveTreeItem), so big trees stay fast. */
  tooltip(node: TreeNode, idx: SnapshotIndex): vscode.MarkdownString | undefined;
  parent(node: TreeNode, idx: SnapshotIndex | null): TreeNode | undefined;
}

export class NetnsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private index: SnapshotIndex | null = null;
  private readonly subscriptions: vscode.Disposable[];

  /** `banner`: rows shown above the view's own (Grant Access… while read-only). */
  constructor(
    private readonly store: SnapshotStore,
    private readonly model: ViewModel,
    private readonly banner: () => { node: TreeNode; item: vscode.TreeItem }[] = () => [],
  ) {
    this.subscriptions = [
      store.onDidChange((s) => {
        this.index = new SnapshotIndex(s);
        this.changed.fire(undefined);
      }),
      store.onDidChangeFilter(() => this.changed.fire(undefined)),
    ];
  }

  private get idx(): SnapshotIndex | null {
    if (this.index === null && this.store.snapshot) this.index = new SnapshotIndex(this.store.snapshot);
    return this.index;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const idx = this.idx;
    if (!idx) return [];
    if (node) return this.model.children(node, idx, this.store.filter);
    return [...this.banner().map((b) => b.node), ...this.model.roots(idx, this.store.filter)];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    // Banner rows (Grant Access…) are of their own kind: other rows never build them.
    const banner = node.kind === 'grantAccess' ? this.banner().find((b) => nodeId(b.node) === nodeId(node)) : undefined;
    if (banner) return banner.item;
    const idx = this.idx;
    const item =
      (idx && this.model.item(node, idx)) || new vscode.TreeItem('(gone)', vscode.TreeItemCollapsibleState.None);
    item.id = nodeId(node);
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    const idx = this.idx;
    if (idx) item.tooltip = this.model.tooltip(node, idx);
    return item;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.model.parent(node, this.idx);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
