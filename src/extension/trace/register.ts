// Wires the trace feature into the extension: the Trace view, its commands, and revealing a step's rule in the NAT
// view.
import * as vscode from 'vscode';
import type { RuleLink } from '../../core/trace/types';
import type { CommandContext } from '../commands/context';
import { traceConnection, traceRequest } from '../commands/traceConnection';
import { disposeHighlight, publishTracedPath } from './highlight';
import { REVEAL_STEP_COMMAND, TraceTreeProvider, type TraceNode } from './view';
import { showWarning } from '../notify';

export function registerTrace(context: vscode.ExtensionContext, ctx: CommandContext): TraceTreeProvider {
  const provider = new TraceTreeProvider();
  const view = vscode.window.createTreeView<TraceNode>('netnsExplorer.trace', { treeDataProvider: provider });
  const ui = { provider, view: view as vscode.TreeView<unknown> };
  const reveal = async (rule: RuleLink) => {
    const node = {
      kind: 'rule' as const,
      set: { ns: rule.namespace, family: rule.family, source: rule.source },
      table: rule.table,
      chain: rule.chain,
      index: rule.index,
    };
    try {
      await ctx.views.nat.reveal(node, { select: true, focus: true, expand: true });
    } catch (e) {
      void showWarning(`The rule is no longer in the NAT view (refresh and trace again): ${(e as Error).message}`);
    }
  };
  context.subscriptions.push(
    provider,
    view,
    {
      dispose: () => {
        publishTracedPath(null);
        disposeHighlight();
      },
    },
    vscode.commands.registerCommand('netnsExplorer.traceConnection', traceConnection(ctx, ui)),
    vscode.commands.registerCommand('netnsExplorer.whyNotWorking', traceConnection(ctx, ui)),
    vscode.commands.registerCommand('netnsExplorer.traceRequest', traceRequest(ctx, ui)),
    vscode.commands.registerCommand(REVEAL_STEP_COMMAND, reveal),
  );
  return provider;
}
