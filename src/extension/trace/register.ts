// The Trace view: its provider and tree view, and revealing a step's rule in the NAT view. Its commands are in the
// extension's one command table.
import * as vscode from 'vscode';
import type { RuleLink } from '../../core/trace/types';
import type { CommandContext } from '../commands/context';
import type { TraceUi } from '../commands/traceConnection';
import { VIEW } from '../ids';
import { disposeHighlight, publishTracedPath } from './highlight';
import { TraceTreeProvider, type TraceNode } from '../tree/views/traceView';
import { showWarning } from '../notify';

export interface TraceView {
  provider: TraceTreeProvider;
  /** What the trace commands show results in. */
  ui: TraceUi;
  /** The handler of COMMAND.revealTraceStep. */
  revealStep: (rule: RuleLink) => Promise<void>;
}

export function createTraceView(context: vscode.ExtensionContext, ctx: CommandContext): TraceView {
  const provider = new TraceTreeProvider();
  const view = vscode.window.createTreeView<TraceNode>(VIEW.trace, { treeDataProvider: provider });
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
  context.subscriptions.push(provider, view, {
    dispose: () => {
      publishTracedPath(null);
      disposeHighlight();
    },
  });
  return { provider, ui, revealStep: reveal };
}
