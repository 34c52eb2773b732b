// Extension entry point: wires the store, the four tree views, the commands, the NAT document and auto refresh.
import * as vscode from 'vscode';
import { AutoRefresh } from './autoRefresh';
import type { CommandContext } from './commands/context';
import { copyAddress, copyName, copyRule } from './commands/copy';
import { clearFilter, filter } from './commands/filter';
import { goToPeer } from './commands/goToPeer';
import { openNatRules } from './commands/openNatRules';
import { createPortMapping } from './commands/createPortMapping';
import { deletePortMapping } from './commands/deletePortMapping';
import { cleanUpLeftovers, offerLeftoverCleanup, type LeftoverNotice } from './commands/cleanUpLeftovers';
import { refresh } from './commands/refresh';
import { readSettings } from './config';
import { Log } from './log';
import { NAT_SCHEME, NatDocumentProvider } from './natDocument';
import { SnapshotStore } from './store';
import { TopologyController } from './topology/controller';
import { currentTracedPath, type TracedPath } from './trace/highlight';
import { registerTrace } from './trace/register';
import type { TraceTreeProvider } from './trace/view';
import { NetnsTreeProvider, type ViewModel } from './tree/provider';
import type { TreeNode } from './tree/nodes';
import { bridgesView } from './tree/views/bridgesView';
import { namespacesView } from './tree/views/namespacesView';
import { natView } from './tree/views/natView';
import { vethsView } from './tree/views/vethsView';
import { showWarning } from './notify';

/** What activate() returns: the integration tests drive the extension through it. */
export interface NetnsExplorerApi {
  store: SnapshotStore;
  providers: Record<keyof CommandContext['views'], NetnsTreeProvider>;
  views: CommandContext['views'];
  /** The Trace view's provider (the latest trace result), and the path the topology highlights. */
  trace: TraceTreeProvider;
  tracedPath: () => TracedPath | null;
  topologyHighlight: () => readonly string[];
  /**
   * The leftover notification shown after the first snapshot (null: none needed), and the same check run again on the
   * current snapshot.
   */
  leftoverNotice: Promise<LeftoverNotice | null>;
  checkLeftovers: () => LeftoverNotice | null;
  /** The topology's WebviewPanel while it is open (its webview options are what the page may load and do). */
  topologyPanel: () => vscode.WebviewPanel | undefined;
}

export function activate(context: vscode.ExtensionContext): NetnsExplorerApi | undefined {
  if (process.platform !== 'linux') {
    void vscode.commands.executeCommand('setContext', 'netnsExplorer.unsupported', true);
    void showWarning(
      `Netns Explorer reads Linux network namespaces, and this host runs ${process.platform}. Use it on a Linux host, for example through Remote-SSH.`,
    );
    return undefined;
  }
  const log = new Log();
  const store = new SnapshotStore(log);
  const make = (id: string, model: ViewModel) => {
    const provider = new NetnsTreeProvider(store, model);
    const view = vscode.window.createTreeView<TreeNode>(id, { treeDataProvider: provider, showCollapseAll: true });
    context.subscriptions.push(provider, view);
    return { provider, view };
  };
  const ns = make('netnsExplorer.namespaces', namespacesView);
  const br = make('netnsExplorer.bridges', bridgesView);
  const ve = make('netnsExplorer.veths', vethsView);
  const nat = make(
    'netnsExplorer.nat',
    natView(() => readSettings().rulesPageSize),
  );
  const views = { namespaces: ns.view, bridges: br.view, veths: ve.view, nat: nat.view };

  const natDocuments = new NatDocumentProvider(store);
  context.subscriptions.push(
    log,
    store,
    natDocuments,
    vscode.workspace.registerTextDocumentContentProvider(NAT_SCHEME, natDocuments),
    vscode.languages.registerHoverProvider({ scheme: NAT_SCHEME }, natDocuments),
  );

  const ctx: CommandContext = { store, log, views, natDocuments };
  const topology = new TopologyController(ctx, context.extensionUri);
  context.subscriptions.push(topology);
  const commands: Record<string, (...args: never[]) => unknown> = {
    'netnsExplorer.refresh': refresh(ctx),
    'netnsExplorer.filter': filter(ctx),
    'netnsExplorer.clearFilter': clearFilter(ctx),
    'netnsExplorer.copyName': copyName(ctx),
    'netnsExplorer.copyAddress': copyAddress(ctx),
    'netnsExplorer.copyRule': copyRule(ctx),
    'netnsExplorer.goToPeer': goToPeer(ctx),
    'netnsExplorer.openNatRules': openNatRules(ctx),
    'netnsExplorer.createPortMapping': createPortMapping(ctx),
    'netnsExplorer.publishPort': createPortMapping(ctx),
    'netnsExplorer.deletePortMapping': deletePortMapping(ctx),
    'netnsExplorer.cleanUpLeftovers': cleanUpLeftovers(ctx),
    'netnsExplorer.showTopology': topology.show,
    'netnsExplorer.exportTopology': topology.export,
    'netnsExplorer.showOutput': () => log.channel.show(),
  };
  for (const [id, handler] of Object.entries(commands))
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  const trace = registerTrace(context, ctx);

  // Read-only mode says what is missing on the Namespaces view itself.
  const showReadOnly = () => {
    ns.view.message = store.readOnly
      ? 'Read-only: other namespaces and NAT rules need root. Set netnsExplorer.privilege to sudo (or pkexec), or run VS Code as root.'
      : undefined;
    const f = store.filter;
    ns.view.description =
      [f.hideLoopback ? 'no lo' : '', f.hideDown ? 'up only' : '', f.search ? `“${f.search}”` : '']
        .filter(Boolean)
        .join(' · ') || undefined;
  };
  context.subscriptions.push(store.onDidChange(showReadOnly), store.onDidChangeFilter(showReadOnly));

  const auto = new AutoRefresh(
    (changed) => void store.refresh(changed),
    () => store.hostId,
    log,
  );
  const anyVisible = () => Object.values(views).some((v) => v.visible) || topology.visible;
  const onVisibility = () => auto.update(anyVisible());
  for (const v of Object.values(views)) context.subscriptions.push(v.onDidChangeVisibility(onVisibility));
  context.subscriptions.push(topology.onDidChangeVisibility(onVisibility));
  context.subscriptions.push(
    auto,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('netnsExplorer')) return;
      if (e.affectsConfiguration('netnsExplorer.privilege')) store.resetPrivilege();
      onVisibility();
      void store.refresh();
    }),
  );
  onVisibility();

  // An earlier extension host may have been killed after an apply, its Undo lost with it: the rules it left say so by
  // their comments.
  const leftoverNotice = Promise.resolve(store.refreshWithProgress()).then((snapshot) =>
    snapshot ? offerLeftoverCleanup(ctx, context.globalState, snapshot) : null,
  );
  return {
    store,
    providers: { namespaces: ns.provider, bridges: br.provider, veths: ve.provider, nat: nat.provider },
    views,
    trace,
    tracedPath: currentTracedPath,
    topologyHighlight: () => topology.lastHighlight,
    leftoverNotice,
    checkLeftovers: () => (store.snapshot ? offerLeftoverCleanup(ctx, context.globalState, store.snapshot) : null),
    topologyPanel: () => topology.webviewPanel,
  };
}

export function deactivate(): void {}
