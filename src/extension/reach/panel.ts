// Show Reachability Matrix: a webview grid of every source against every listening socket and published port, from
// the current snapshot. A cell opens its trace in the Trace view; the matrix exports as Markdown or CSV.
import * as vscode from 'vscode';
import type { Snapshot } from '../../core/model';
import { cellRequest, type ReachMatrix } from '../../core/reach/matrix';
import { isFromReachPage, reachView, type ExportKind, type ToReachPage } from '../../core/reach/protocol';
import { renderReachCsv, renderReachMarkdown } from '../../core/reach/render';
import { computeMatrixParallel } from '../../host/reach/parallel';
import type { TraceRequest } from '../../core/trace/types';
import { readSettings } from '../config';
import type { CommandContext } from '../commands/context';
import { COMMAND, REACH_VIEW_TYPE } from '../ids';
import { showError } from '../notify';
import { makeNonce, pageHtml } from '../topology/html';

const REACH_BODY = `<div id="toolbar" role="toolbar" aria-label="Reachability">
  <vscode-checkbox id="group">Group alike</vscode-checkbox>
  <vscode-button id="refresh" secondary>Refresh</vscode-button>
  <vscode-button id="export-md" secondary>Export Markdown</vscode-button>
  <vscode-button id="export-csv" secondary>Export CSV</vscode-button>
  <span id="status" aria-live="polite">Tracing every pair…</span>
</div>
<div id="legend">✓ connects · R refused · ✗ times out · → leaves the host · ? uncertain · · not applicable. Click a cell for its trace.</div>
<div id="wrap"><table id="grid" role="grid" aria-label="Reachability matrix"></table></div>`;

export class ReachController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | null = null;
  private matrix: { snapshot: Snapshot; matrix: ReachMatrix } | null = null;
  private computing: Promise<void> | null = null;

  constructor(
    private readonly ctx: CommandContext,
    private readonly extensionUri: vscode.Uri,
  ) {}

  /** The command: opens (or reveals) the page and computes the matrix of the current snapshot. */
  readonly show = async (): Promise<void> => {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(
      REACH_VIEW_TYPE,
      'Reachability',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true },
    );
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'netns.svg');
    const webview = panel.webview;
    webview.html = pageHtml({
      title: 'Reachability',
      body: REACH_BODY,
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'reach.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'reach.css')).toString(),
    });
    const subscription = webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidDispose(() => {
      subscription.dispose();
      this.panel = null;
    });
  };

  private post(m: ToReachPage): void {
    void this.panel?.webview.postMessage(m);
  }

  private async receive(m: unknown): Promise<void> {
    if (!isFromReachPage(m)) return;
    if (m.type === 'ready' || m.type === 'refresh') await this.compute(m.type === 'refresh');
    else if (m.type === 'open') await this.open(m.row, m.column);
    else await this.export(m.format);
  }

  /** Reads the trace's extras the way this window reads, then traces every cell (off this thread when large). */
  private compute(refresh: boolean): Promise<void> {
    this.computing ??= (async () => {
      try {
        this.post({ type: 'busy', text: 'Tracing every pair…' });
        const store = this.ctx.store;
        const snapshot = refresh || !store.snapshot ? await store.refreshWithProgress() : store.snapshot;
        if (!snapshot) {
          this.post({
            type: 'error',
            text: 'No snapshot: the host could not be read (see the Netns Explorer output).',
          });
          return;
        }
        const matrix = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Reachability: tracing every pair…' },
          async () => {
            const extras = await (
              await store.access.current()
            ).access.traceExtras(snapshot, readSettings().concurrency);
            return computeMatrixParallel(snapshot, extras);
          },
        );
        this.matrix = { snapshot, matrix };
        this.ctx.log.info(`reach: ${matrix.cells.length} cells traced`);
        this.post({ type: 'matrix', view: reachView(matrix) });
      } catch (e) {
        this.post({ type: 'error', text: `The matrix could not be computed: ${(e as Error).message}` });
        void showError(`Reachability: ${(e as Error).message}`);
      } finally {
        this.computing = null;
      }
    })();
    return this.computing;
  }

  /** The request of a cell (Trace with the Kernel on its context menu). */
  requestAt(row: number, column: number): TraceRequest | null {
    const r = this.matrix?.matrix.rows[row];
    const c = this.matrix?.matrix.columns[column];
    return r && c ? cellRequest(r, c) : null;
  }

  /** A cell's full trace, in the Trace view, on the snapshot the matrix was computed from. */
  private async open(row: number, column: number): Promise<void> {
    const r = this.matrix?.matrix.rows[row];
    const c = this.matrix?.matrix.columns[column];
    if (!r || !c) return;
    await vscode.commands.executeCommand(COMMAND.traceRequest, cellRequest(r, c));
  }

  private async export(format: ExportKind): Promise<void> {
    if (!this.matrix) return;
    const { snapshot, matrix } = this.matrix;
    const content = format === 'markdown' ? renderReachMarkdown(matrix) : renderReachCsv(snapshot, matrix);
    const doc = await vscode.workspace.openTextDocument({
      content,
      language: format === 'markdown' ? 'markdown' : 'csv',
    });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
