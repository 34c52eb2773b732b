// The topology view's commands and wiring: open the panel, keep it live, link it with the tree views, export.
import { hostname } from 'node:os';
import * as vscode from 'vscode';
import { TOPOLOGY_VIEW_TYPE } from '../ids';
import type { Snapshot } from '../../core/model';
import { buildTopology } from '../../core/topology/build';
import { connectionEdges } from '../../core/topology/connections';
import type { ConnectionsMonitor } from '../connections';
import type { TopologyEdge, TopologyGraph, TopologyNode } from '../../core/topology/types';
import type { ExportFormat, ToExtensionMessage } from '../../core/topology/protocol';
import type { CommandContext } from '../commands/context';
import { readSettings } from '../config';
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import { bridgesView } from '../tree/views/bridgesView';
import { namespacesView } from '../tree/views/namespacesView';
import { natView } from '../tree/views/natView';
import { vethsView } from '../tree/views/vethsView';
import { elementDetails, type ViewModels } from './details';
import { TopologyPanel, type Rendered } from './panel';
import { elementIdOf, treeNodeOf } from './treeLink';
import { currentTracedPath, onDidTracePath, type TracedPath } from '../trace/highlight';
import { showError, showInfo } from '../notify';

const EMPTY: TopologyGraph = { nodes: [], edges: [] };

const elementsOf = (graph: TopologyGraph) =>
  new Map<string, TopologyNode | TopologyEdge>([
    ...graph.nodes.map((n) => [n.id, n] as const),
    ...graph.edges.map((e) => [e.id, e] as const),
  ]);

export class TopologyController implements vscode.Disposable {
  private panel: TopologyPanel | null = null;
  private graph: TopologyGraph = EMPTY;
  private index: SnapshotIndex | null = null;
  private elements = new Map<string, TopologyNode | TopologyEdge>();
  private firstRender: Promise<Rendered> | null = null;
  /** Networks whose members the user opened (a collapsed group clicked), by network node id. */
  private readonly expanded = new Set<string>();
  /** The live-connections overlay is on (the page's checkbox). */
  private overlay = false;
  private readonly models: ViewModels = {
    namespaces: namespacesView,
    bridges: bridgesView,
    veths: vethsView,
    nat: natView(() => readSettings().rulesPageSize),
  };
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly visibility = new vscode.EventEmitter<boolean>();
  /** Fires when the picture becomes visible or hidden: auto refresh runs while it is visible. */
  readonly onDidChangeVisibility = this.visibility.event;

  get visible(): boolean {
    return this.panel?.panel.visible ?? false;
  }

  /** The open picture's panel, if any: tests read back its webview options through the extension's API. */
  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel?.panel;
  }

  constructor(
    private readonly ctx: CommandContext,
    private readonly extensionUri: vscode.Uri,
    /** Where the picture's positions are kept, per host (the extension's global state). */
    private readonly memento?: vscode.Memento,
    /** Live connections, for the overlay. */
    private readonly connections?: ConnectionsMonitor,
  ) {
    // After a window reload VS Code hands the restored panel back here: the picture comes back where it was.
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(TOPOLOGY_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          if (this.panel) {
            panel.dispose();
            return;
          }
          // Not awaited: VS Code shows the panel once this returns, and the page must load to say it is ready.
          void this.open(panel);
        },
      }),
    );
    this.subscriptions.push(
      this.visibility,
      ctx.store.onDidChange((s) => this.update(s)),
      // Connections are read while the overlay is on and the picture visible; each reading redraws the overlay.
      this.visibility.event(() => this.watchConnections()),
    );
    if (connections)
      this.subscriptions.push(
        connections.onDidChange(() => {
          if (this.overlay && this.ctx.store.snapshot) this.update(this.ctx.store.snapshot);
        }),
      );
    for (const view of Object.values(ctx.views)) {
      this.subscriptions.push(view.onDidChangeSelection((e) => this.highlight(e.selection)));
    }
    this.subscriptions.push(onDidTracePath((p) => this.highlightTrace(p)));
    // One search: the side bar's filter text highlights the same things in the picture.
    this.subscriptions.push(
      this.ctx.store.onDidChangeFilter((f) => void this.panel?.post('search', { query: f.search })),
    );
  }

  /** Highlights the namespaces and interfaces a traced packet passed (Trace Connection…). */
  private highlightTrace(path: TracedPath | null): void {
    if (!path) return;
    this.highlight([
      ...path.namespaces.map((ns): TreeNode => ({ kind: 'namespace', ns })),
      ...path.interfaces.map((i): TreeNode => ({ kind: 'interface', ns: i.namespace, ifname: i.ifname })),
    ]);
  }

  /** netnsExplorer.showTopology: opens (or reveals) the picture; resolves with what it drew, per kind. */
  readonly show = async (): Promise<Rendered | null> => {
    if (this.panel) {
      this.panel.panel.reveal(undefined, false);
      return this.panel.lastRendered ?? this.firstRender;
    }
    return this.open();
  };

  /** Opens the picture in a new panel, or in one VS Code restored after a reload. */
  private open(restored?: vscode.WebviewPanel): Promise<Rendered | null> {
    const ready = new Promise<void>((resolve) => {
      this.panel = new TopologyPanel(
        this.extensionUri,
        {
          onReady: () => {
            resolve();
            this.send();
            this.highlightTrace(currentTracedPath());
            if (this.ctx.store.filter.search) void this.panel?.post('search', { query: this.ctx.store.filter.search });
          },
          onMessage: (m) => this.receive(m),
          onDispose: () => {
            this.panel = null;
            this.overlay = false;
            this.firstRender = null;
            this.visibility.fire(false);
          },
        },
        restored,
      );
    });
    this.panel!.panel.onDidChangeViewState((e) => this.visibility.fire(e.webviewPanel.visible));
    this.visibility.fire(true);
    const panel = this.panel!;
    this.firstRender = ready.then(async () => {
      if (!this.ctx.store.snapshot) await this.ctx.store.refresh();
      return panel.lastRendered ?? panel.nextRender();
    });
    return this.firstRender;
  }

  /** The memento key of this host's positions. */
  private get positionsKey(): string {
    return `${TOPOLOGY_VIEW_TYPE}.positions.${hostname()}`;
  }

  /**
   * netnsExplorer.exportTopology: writes the picture as SVG or PNG to `target` (no dialog), or to a
   * file chosen in a save dialog. The format follows the file name unless given. Resolves with the file written.
   */
  readonly export = async (target?: vscode.Uri, format?: ExportFormat): Promise<vscode.Uri | undefined> => {
    if (target !== undefined && !(target instanceof vscode.Uri)) target = undefined; // e.g. a tree node from a menu
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: 'Export Topology',
        defaultUri: folder ? vscode.Uri.joinPath(folder, `topology.${format ?? 'svg'}`) : undefined,
        filters:
          format === 'png'
            ? { 'PNG image': ['png'], 'SVG image': ['svg'] }
            : { 'SVG image': ['svg'], 'PNG image': ['png'] },
      });
      if (!target) return undefined;
    }
    const chosen: ExportFormat = format ?? (target.path.toLowerCase().endsWith('.png') ? 'png' : 'svg');
    await this.show();
    const data = await this.panel!.requestExport(chosen);
    const bytes = chosen === 'png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    this.ctx.log.info(
      `topology exported as ${chosen.toUpperCase()} to ${target.toString(true)} (${bytes.length} bytes)`,
    );
    return target;
  };

  private update(snapshot: Snapshot): void {
    this.index = new SnapshotIndex(snapshot);
    this.rebuild(snapshot);
    this.send();
  }

  private watchConnections(): void {
    this.connections?.watch('topology', this.overlay && this.visible);
  }

  /** The picture of `snapshot`, with the networks the user opened drawn open, and live connections when asked. */
  private rebuild(snapshot: Snapshot): void {
    const graph = buildTopology(snapshot, { expanded: this.expanded });
    const reading = this.overlay ? this.connections?.last : undefined;
    this.graph = reading
      ? { ...graph, edges: [...graph.edges, ...connectionEdges(graph, snapshot, reading.connections)] }
      : graph;
    this.elements = elementsOf(this.graph);
  }

  private send(relayout = false): void {
    if (!this.panel) return;
    if (!this.index && this.ctx.store.snapshot) {
      this.update(this.ctx.store.snapshot);
      return;
    }
    const saved = this.memento?.get<Record<string, { x: number; y: number }>>(this.positionsKey) ?? null;
    void this.panel.showGraph(
      this.graph,
      this.index ? null : 'Reading this host\u2019s network namespaces\u2026',
      this.index ? saved : null,
      relayout,
    );
  }

  private receive(m: ToExtensionMessage): void {
    switch (m.type) {
      case 'select':
        void this.reveal(m.id);
        break;
      case 'toggleGroup':
        this.toggleGroup(m.id);
        break;
      case 'hover': {
        const element = this.elements.get(m.id);
        if (element)
          void this.panel?.post('details', { id: m.id, blocks: elementDetails(element, this.index, this.models) });
        break;
      }
      case 'positions':
        void this.savePositions(m.positions);
        break;
      case 'overlay':
        this.overlay = m.on;
        this.watchConnections();
        if (this.ctx.store.snapshot) this.update(this.ctx.store.snapshot);
        break;
      case 'requestExport':
        void this.export(undefined, m.format).then(
          (uri) => {
            if (uri) void showInfo(`Topology exported to ${uri.fsPath}.`);
          },
          (e: Error) => void showError(`Netns Explorer could not export the topology: ${e.message}`),
        );
        break;
      default:
        break;
    }
  }

  /** Opens a collapsed network (its group clicked) or closes an opened one (the network double-clicked). */
  private toggleGroup(id: string): void {
    const element = this.elements.get(id);
    const network = element && 'parent' in element && element.kind === 'group' ? element.parent : id;
    if (!network || !this.elements.has(network) || !this.ctx.store.snapshot) return;
    if (this.expanded.has(network)) this.expanded.delete(network);
    else if (element?.kind === 'group') this.expanded.add(network);
    else return;
    this.rebuild(this.ctx.store.snapshot);
    this.send(true);
  }

  /** Keeps the picture's positions for this host (bounded: a picture of thousands of nodes keeps its first 20,000). */
  private async savePositions(positions: Record<string, { x: number; y: number }>): Promise<void> {
    const entries = Object.entries(positions)
      .filter(([, p]) => Number.isFinite(p?.x) && Number.isFinite(p?.y))
      .slice(0, 20_000);
    await this.memento?.update(this.positionsKey, Object.fromEntries(entries));
  }

  /** Reveals and selects the clicked element's item in its tree view, without taking focus from the picture. */
  private async reveal(id: string): Promise<void> {
    const ref = this.elements.get(id)?.ref;
    if (!ref) return;
    try {
      await this.ctx.views[ref.view].reveal(treeNodeOf(ref), { select: true, focus: false, expand: false });
    } catch (e) {
      this.ctx.log.info(`topology: could not reveal ${id} in the ${ref.view} view: ${(e as Error).message}`);
    }
  }

  /** The element ids last sent to the picture to highlight (tree selection or a traced path). */
  lastHighlight: readonly string[] = [];

  private highlight(selection: readonly TreeNode[]): void {
    if (!this.panel) return;
    const ids = selection
      .map((n) => elementIdOf(n, this.graph))
      .filter((id): id is string => id !== undefined && this.elements.has(id));
    if (ids.length) {
      this.lastHighlight = ids;
      void this.panel.post('highlight', { ids });
    }
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel?.dispose();
  }
}
