// netnsExplorer.copyName / copyAddress / copyRule: put a node's name, addresses or rule text on the clipboard.
import * as vscode from 'vscode';
import type { TreeNode } from '../tree/nodes';
import { nodeAddresses, nodeName, nodeRuleText } from '../tree/nodeText';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import { showInfo } from '../notify';

type Extract = (node: TreeNode, idx: SnapshotIndex) => string | undefined;

function copyWith(
  ctx: CommandContext,
  what: string,
  extract: Extract,
): (node?: TreeNode) => Promise<string | undefined> {
  return async (node) => {
    const target = node ?? ctx.views.namespaces.selection[0] ?? ctx.views.nat.selection[0];
    const snapshot = ctx.store.snapshot;
    const text = target && snapshot ? extract(target, new SnapshotIndex(snapshot)) : undefined;
    if (text === undefined) {
      void showInfo(`Nothing to copy: this item has no ${what}.`);
      return undefined;
    }
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${what}`, 2000);
    return text;
  };
}

export const copyName = (ctx: CommandContext) => copyWith(ctx, 'name', nodeName);
export const copyAddress = (ctx: CommandContext) => copyWith(ctx, 'address', nodeAddresses);
export const copyRule = (ctx: CommandContext) => copyWith(ctx, 'rule text', nodeRuleText);
