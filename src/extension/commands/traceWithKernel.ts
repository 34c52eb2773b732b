// Trace with the Kernel: the model's trace of a connection, and the kernel's own (nft's trace in every namespace on the
// path, one probe sent), side by side in the Trace view; on a port mapping, a reachability cell, or the trace shown.
import * as vscode from 'vscode';
import { mappingSources } from '../../core/trace/diagnose';
import type { TraceRequest } from '../../core/trace/types';
import { readSettings } from '../config';
import { CONTEXT, VIEW } from '../ids';
import { showInfo, showWarning } from '../notify';
import type { ReachController } from '../reach/panel';
import { publishTracedPath, tracedPathOf } from '../trace/highlight';
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import type { TraceUi } from './traceConnection';

/** What the command may be run on: a NAT view mapping, a reachability cell (its context menu), or a request. */
type Target = TreeNode | { webviewSection?: string; row?: number; column?: number } | TraceRequest | undefined;

const isRequest = (t: Target): t is TraceRequest =>
  typeof t === 'object' && t !== null && 'source' in t && 'dst' in t && 'dport' in t;

export function traceWithKernel(
  ctx: CommandContext,
  ui: TraceUi,
  reach: ReachController,
): (target?: Target) => Promise<void> {
  return async (target) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return;
    let request: TraceRequest | null = null;
    if (isRequest(target)) request = target;
    else if (target && 'kind' in target && target.kind === 'mapping') {
      const m = new SnapshotIndex(snapshot).mapping(target.ns, target.key);
      request = m ? (mappingSources(snapshot, m)[0]?.request ?? null) : null;
    } else if (target && 'webviewSection' in target && target.row !== undefined && target.column !== undefined)
      request = reach.requestAt(target.row, target.column);
    else request = ui.provider.current?.request ?? null;
    if (!request) {
      void showInfo(
        'Trace a connection first (Trace Connection…), or run this on a port mapping or a reachability cell.',
      );
      return;
    }
    const access = await ctx.store.access.current();
    if (access.readOnly) {
      void showWarning('Tracing with the kernel needs root: Grant Access first.');
      return;
    }
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Asking the kernel to trace the connection…',
        cancellable: true,
      },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return access.access.kernelTrace(request, {
          dockerDirs: readSettings().dockerNetnsDirs,
          send: true,
          waitMs: 10_000,
          signal: abort.signal,
        });
      },
    );
    ui.provider.showWitness(report, snapshot);
    await vscode.commands.executeCommand('setContext', CONTEXT.hasTrace, true);
    publishTracedPath(tracedPathOf(report.result));
    ui.view.message = report.comparison.summary;
    await vscode.commands.executeCommand(`${VIEW.trace}.focus`);
    ctx.log.info(`trace --kernel: ${report.result.title}: ${report.comparison.summary}`);
  };
}
