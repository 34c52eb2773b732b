// What every command gets: the store, the tree views, the log, and the NAT document provider.
import type * as vscode from 'vscode';
import type { Log } from '../log';
import type { NatDocumentProvider } from '../natDocument';
import type { SnapshotStore } from '../store';
import type { TreeNode } from '../tree/nodes';

export interface CommandContext {
  store: SnapshotStore;
  log: Log;
  views: {
    namespaces: vscode.TreeView<TreeNode>;
    bridges: vscode.TreeView<TreeNode>;
    veths: vscode.TreeView<TreeNode>;
    nat: vscode.TreeView<TreeNode>;
  };
  natDocuments: NatDocumentProvider;
}
