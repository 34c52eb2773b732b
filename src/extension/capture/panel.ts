// Capture panels: one webview per capture, listing packets live from one or more interfaces (src/host/capture.ts),
// with Pause (the page's), Stop, Save pcapng… and Open in Wireshark. Closing the panel stops the capture; so does the
// extension's exit. Each capture's file is kept in the extension's storage (the last few), so a closed panel loses
// nothing that was not saved elsewhere yet.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CaptureSourceView, ToCapturePage } from '../../core/capture/protocol';
import { isFromCapturePage } from '../../core/capture/protocol';
import {
  DEFAULT_LIMITS,
  DISPLAY_KEPT,
  STOP_TEXT,
  showPacket,
  targetName,
  type CaptureLimits,
} from '../../core/capture/session';
import type { ResolvedSource } from '../../core/capture/targets';
import { Capture, type SourceState } from '../../host/capture';
import { onPath, startDetached, type Privilege } from '../../host/runner';
import { CAPTURE_VIEW_TYPE } from '../ids';
import type { Log } from '../log';
import { showError, showInfo } from '../notify';
import { makeNonce, pageHtml } from '../topology/html';

/** Capture files kept in the extension's storage: older ones are removed when a capture starts. */
export const KEPT_CAPTURES = 10;

const CAPTURE_BODY = `<div id="toolbar" role="toolbar" aria-label="Capture">
  <vscode-button id="pause" secondary>Pause</vscode-button>
  <vscode-button id="stop">Stop</vscode-button>
  <vscode-button id="save" secondary>Save pcapng…</vscode-button>
  <vscode-button id="wireshark" secondary hidden>Open in Wireshark</vscode-button>
  <span id="status" aria-live="polite">Starting tcpdump…</span>
</div>
<div id="sources"></div>
<div id="wrap"><table id="packets" aria-label="Packets">
  <thead><tr><th>No.</th><th>Time</th><th>Interface</th><th>Source</th><th>Destination</th><th>Protocol</th><th>Length</th><th>Info</th></tr></thead>
  <tbody></tbody>
</table></div>
<div id="detail" aria-live="polite"></div>`;

const sourceViews = (sources: readonly SourceState[]): CaptureSourceView[] =>
  sources.map((s) => ({
    where: targetName(s.target),
    listening: s.listening,
    error: s.error,
    packets: s.packets,
    droppedByKernel: s.droppedByKernel,
  }));

export interface CaptureRequest {
  sources: ResolvedSource[];
  filter: string;
  /** The panel's title: `Capture: nxl-web1/eth0`, `Capture: traced path`. */
  title: string;
  privilege: Privilege;
  limits?: CaptureLimits;
}

/** One capture and its panel. */
class CapturePanel {
  readonly panel: vscode.WebviewPanel;
  private capture: Capture | null = null;
  private ended: string | null = null;
  private firstNs: bigint | null = null;
  private readonly file: string;

  constructor(
    private readonly request: CaptureRequest,
    extensionUri: vscode.Uri,
    storage: string,
    private readonly log: Log,
    onClosed: () => void,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.file = join(storage, `capture-${new Date().toISOString().replace(/[:.]/g, '-')}.pcapng`);
    this.panel = vscode.window.createWebviewPanel(
      CAPTURE_VIEW_TYPE,
      request.title,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true },
    );
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'netns.svg');
    const webview = this.panel.webview;
    webview.html = pageHtml({
      title: 'Capture',
      body: CAPTURE_BODY,
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'capture.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'capture.css')).toString(),
    });
    const subscription = webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    this.panel.onDidDispose(() => {
      subscription.dispose();
      this.capture?.stop('stopped');
      onClosed();
    });
  }

  private post(m: ToCapturePage): void {
    void this.panel.webview.postMessage(m);
  }

  private async receive(m: unknown): Promise<void> {
    if (!isFromCapturePage(m)) return;
    if (m.type === 'ready') this.start();
    else if (m.type === 'stop') this.capture?.stop('stopped');
    else if (m.type === 'save') await this.save();
    else await this.openInWireshark();
  }

  private start(): void {
    if (this.capture) {
      // The page was reloaded: say where things are.
      this.post({ type: 'sources', sources: sourceViews(this.capture.sources) });
      if (this.ended) this.post({ type: 'ended', text: this.ended });
      return;
    }
    const { sources, filter } = this.request;
    const limits = this.request.limits ?? DEFAULT_LIMITS;
    const targets = sources.map((s) => s.target);
    let capture: Capture;
    try {
      capture = new Capture(sources, {
        filter,
        limits,
        privilege: this.request.privilege,
        file: this.file,
        onPackets: (packets) => {
          this.firstNs ??= packets[0]!.tsNs;
          // The page keeps DISPLAY_KEPT rows: a burst larger than that sends only its last ones.
          const rows = packets.slice(-DISPLAY_KEPT).map((p) => showPacket(p, targets, this.firstNs!));
          this.post({ type: 'packets', rows, packets: capture.packets, bytes: capture.bytes });
          this.post({ type: 'sources', sources: sourceViews(capture.sources) });
        },
        onSources: (states) => this.post({ type: 'sources', sources: sourceViews(states) }),
      });
    } catch (e) {
      this.ended = `The capture could not start: ${(e as Error).message}`;
      this.post({ type: 'ended', text: this.ended });
      return;
    }
    this.capture = capture;
    this.log.info(`capture: ${capture.sources.map((s) => s.command).join(' ; ')}`);
    this.post({
      type: 'start',
      title: this.request.title,
      filter,
      limits,
      sources: sourceViews(capture.sources),
      file: this.file,
      wireshark: onPath('wireshark') !== null,
    });
    void capture.done.then((summary) => {
      const errors = summary.sources.filter((s) => s.error).map((s) => `${targetName(s.target)}: ${s.error}`);
      this.ended = `${STOP_TEXT[summary.reason]}: ${summary.packets} packets, ${summary.bytes} bytes${
        errors.length ? ` · ${errors.join(' · ')}` : ''
      }`;
      this.log.info(`capture ended (${this.ended}); file ${this.file}`);
      this.post({ type: 'sources', sources: sourceViews(summary.sources) });
      this.post({ type: 'ended', text: this.ended });
    });
  }

  private async save(): Promise<void> {
    if (!existsSync(this.file)) {
      void showInfo('Nothing was captured yet.');
      return;
    }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(process.env.HOME ?? '/', 'capture.pcapng')),
      filters: { 'pcapng capture': ['pcapng'] },
      title: 'Save the capture as pcapng',
    });
    if (!target) return;
    try {
      await vscode.workspace.fs.copy(vscode.Uri.file(this.file), target, { overwrite: true });
      void showInfo(`Saved ${this.capture?.packets ?? 0} packets to ${target.fsPath}.`);
    } catch (e) {
      void showError(`The capture could not be saved: ${(e as Error).message}`);
    }
  }

  private async openInWireshark(): Promise<void> {
    const wireshark = onPath('wireshark');
    if (!wireshark || !existsSync(this.file)) return;
    // Wireshark reads the file as it is now; a capture still running keeps adding to it.
    const problem = await startDetached([wireshark, '-r', this.file]);
    if (problem) void showError(`Wireshark could not be started: ${problem}`);
  }
}

export class CaptureController implements vscode.Disposable {
  private readonly open = new Set<CapturePanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly storage: vscode.Uri,
    private readonly log: Log,
  ) {}

  /** Opens a panel and starts the capture once the page listens. */
  start(request: CaptureRequest): vscode.WebviewPanel {
    const dir = join(this.storage.fsPath, 'captures');
    mkdirSync(dir, { recursive: true });
    pruneCaptures(dir, KEPT_CAPTURES - 1);
    const panel = new CapturePanel(request, this.extensionUri, dir, this.log, () => this.open.delete(panel));
    this.open.add(panel);
    return panel.panel;
  }

  /** Closing a panel stops its capture. */
  dispose(): void {
    for (const p of [...this.open]) p.panel.dispose();
  }
}

/** Keeps the newest `keep` capture files in `dir`. */
function pruneCaptures(dir: string, keep: number): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.pcapng'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(keep)) rmSync(join(dir, f), { force: true });
}
