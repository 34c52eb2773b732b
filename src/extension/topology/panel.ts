// The topology WebviewPanel: strict CSP page from dist/, typed messages both ways, export requests answered by the
// page.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { TopologyGraph } from '../../core/topology/types';
import {
  isToExtension,
  type ExportFormat,
  type KindCounts,
  type ToExtensionMessage,
  type ToWebview,
} from '../../core/topology/protocol';
import { makeNonce, topologyHtml } from './html';
import { TOPOLOGY_VIEW_TYPE } from '../ids';
import { showError } from '../notify';

export interface PanelHandlers {
  onReady(): void;
  onMessage(m: ToExtensionMessage): void;
  onDispose(): void;
}

export interface Rendered {
  counts: KindCounts;
  layoutMs: number;
  laidOut: boolean;
}

export class TopologyPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];
  private nextRequest = 1;
  private readonly exports = new Map<number, { resolve: (data: string) => void; reject: (e: Error) => void }>();
  private renderWaiters: ((r: Rendered) => void)[] = [];
  lastRendered: Rendered | null = null;

  private readonly workerFile: string;

  constructor(
    extensionUri: vscode.Uri,
    private readonly handlers: PanelHandlers,
    /** A panel VS Code restored after a window reload (the serializer), to take over instead of opening one. */
    restored?: vscode.WebviewPanel,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.workerFile = vscode.Uri.joinPath(dist, 'elk-worker.js').fsPath;
    const options = {
      enableScripts: true,
      localResourceRoots: [dist],
      // The picture is costly to lay out again: keep it (positions, zoom) while the tab is in the background.
      retainContextWhenHidden: true,
    };
    this.panel =
      restored ??
      vscode.window.createWebviewPanel(
        TOPOLOGY_VIEW_TYPE,
        'Netns Topology',
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        options,
      );
    if (restored) restored.webview.options = options;
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'netns.svg');
    const webview = this.panel.webview;
    webview.html = topologyHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  post<K extends keyof ToWebview>(type: K, body: ToWebview[K]): Thenable<boolean> {
    return this.panel.webview.postMessage({ type, ...body });
  }

  showGraph(
    graph: TopologyGraph,
    message: string | null,
    positions: Record<string, { x: number; y: number }> | null = null,
    relayout = false,
  ): Promise<Rendered> {
    const rendered = this.nextRender();
    // The page needs the element ids alone: the aliases (tree items folded into elements) stay here.
    const { aliases: _aliases, ...shown } = graph;
    void this.post('graph', { graph: shown, message, positions, relayout });
    return rendered;
  }

  nextRender(): Promise<Rendered> {
    return new Promise((resolve) => this.renderWaiters.push(resolve));
  }

  requestExport(format: ExportFormat, timeoutMs = 60_000): Promise<string> {
    const requestId = this.nextRequest++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.exports.delete(requestId);
        reject(new Error('the topology page did not answer the export request'));
      }, timeoutMs);
      this.exports.set(requestId, {
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      void this.post('export', { requestId, format });
    });
  }

  private receive(m: unknown): void {
    if (!isToExtension(m)) return;
    switch (m.type) {
      case 'ready':
        void this.sendWorker();
        this.handlers.onReady();
        return;
      case 'rendered': {
        this.lastRendered = { counts: m.counts, layoutMs: m.layoutMs, laidOut: m.laidOut };
        const waiters = this.renderWaiters;
        this.renderWaiters = [];
        for (const w of waiters) w(this.lastRendered);
        return;
      }
      case 'exported': {
        const pending = this.exports.get(m.requestId);
        this.exports.delete(m.requestId);
        if (!pending) return;
        if (m.error) pending.reject(new Error(m.error));
        else pending.resolve(m.data);
        return;
      }
      default:
        this.handlers.onMessage(m);
    }
  }

  /** The layout worker's script, read from dist/ (the page starts it from a blob: URL). */
  private async sendWorker(): Promise<void> {
    try {
      await this.post('layoutWorker', { source: await readFile(this.workerFile, 'utf8') });
    } catch (e) {
      void showError(
        `Netns Explorer could not load the topology's layout worker (${this.workerFile}): ${(e as Error).message}`,
      );
    }
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    for (const p of this.exports.values()) p.reject(new Error('the topology view was closed'));
    this.exports.clear();
    this.panel.dispose();
    this.handlers.onDispose();
  }
}
