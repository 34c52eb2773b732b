// Shared by the extension-host suites: walk a view's tree as a user expanding everything would see it.
import * as vscode from 'vscode';
import type { NetnsTreeProvider } from '../../src/extension/tree/provider';
import type { TreeNode } from '../../src/extension/tree/nodes';

export function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** Every item under `node` (depth-first), with its tree item. */
export async function walk(
  provider: NetnsTreeProvider,
  node?: TreeNode,
  depth = 4,
): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
  const out: { node: TreeNode; item: vscode.TreeItem }[] = [];
  for (const child of provider.getChildren(node)) {
    const item = provider.getTreeItem(child);
    out.push({ node: child, item });
    if (depth > 0 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None)
      out.push(...(await walk(provider, child, depth - 1)));
  }
  return out;
}
