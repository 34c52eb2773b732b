// Extension entry point: wires the store, the tree views, the commands (one table, ids.ts), the NAT document and
// auto refresh.
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
import { AccessManager } from './access';
import { notInstalled } from '../host/runtimes';
import { undoLastChange } from './mappingUi';
import { TopologyController } from './topology/controller';
import { currentTracedPath, type TracedPath } from './trace/highlight';
import { ReachController } from './reach/panel';
import { CaptureController } from './capture/panel';
import { ConnectionsMonitor } from './connections';
import { ConnectionsTreeProvider } from './tree/views/connectionsView';
import { captureTraffic, capturePath } from './commands/capture';
import { traceWithKernel } from './commands/traceWithKernel';
import { createTraceView } from './trace/register';
import { traceConnection, traceRequest, whyNotWorking } from './commands/traceConnection';
import { COMMAND, CONTEXT, SETTING, VIEW, type CommandName, type SnapshotViewName } from './ids';
import type { TraceTreeProvider } from './tree/views/traceView';
import { NetnsTreeProvider, type ViewModel } from './tree/provider';
import type { TreeNode } from './tree/nodes';
import { bridgesView } from './tree/views/bridgesView';
import { namespacesView } from './tree/views/namespacesView';
import { natView } from './tree/views/natView';
import { vethsView } from './tree/views/vethsView';
import { showWarning } from './notify';
import { stopAllCommands } from '../host/runner';
import { namespaceVisible } from './tree/filter';

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
  /** The namespaces whose rules `nft monitor` follows now (while a view is visible, as root). */
  followedRules: () => ReadonlySet<string>;
}

export function activate(context: vscode.ExtensionContext): NetnsExplorerApi | undefined {
  if (process.platform !== 'linux') {
    void vscode.commands.executeCommand('setContext', CONTEXT.unsupported, true);
    void showWarning(
      `Netns Explorer reads Linux network namespaces, and this host runs ${process.platform}. Use it on a Linux host, for example through Remote-SSH.`,
    );
    return undefined;
  }
  const log = new Log();
  const access = new AccessManager(log, context.extensionPath);
  const store = new SnapshotStore(log, access);
  // One table of the snapshot views: each id comes from ids.ts, each model from tree/views/.
  const models: Record<SnapshotViewName, ViewModel> = {
    namespaces: namespacesView,
    bridges: bridgesView,
    veths: vethsView,
    nat: natView(() => readSettings().rulesPageSize),
  };
  const providers = {} as Record<SnapshotViewName, NetnsTreeProvider>;
  const views = {} as CommandContext['views'];
  // While read-only, the Namespaces view's first row is the way out: Grant Access….
  const grantRow = () => {
    if (!store.readOnly || process.getuid?.() === 0) return [];
    const item = new vscode.TreeItem('Grant Access…', vscode.TreeItemCollapsibleState.None);
    item.description = access.stoppedReason ? 'the helper stopped: start it again' : 'read-only: see every namespace';
    item.iconPath = new vscode.ThemeIcon('key');
    item.tooltip =
      'Asks for your sudo password once and starts one privileged helper for this window, which reads every namespace and the NAT rules. The password is never stored.';
    item.command = { command: COMMAND.grantAccess, title: 'Grant Access…' };
    return [{ node: { kind: 'grantAccess' } as TreeNode, item }];
  };
  for (const name of Object.keys(models) as SnapshotViewName[]) {
    providers[name] = new NetnsTreeProvider(store, models[name], name === 'namespaces' ? grantRow : undefined);
    views[name] = vscode.window.createTreeView<TreeNode>(VIEW[name], {
      treeDataProvider: providers[name],
      showCollapseAll: true,
    });
    context.subscriptions.push(providers[name], views[name]);
  }

  const natDocuments = new NatDocumentProvider(store);
  context.subscriptions.push(
    log,
    access,
    store,
    natDocuments,
    vscode.workspace.registerTextDocumentContentProvider(NAT_SCHEME, natDocuments),
    vscode.languages.registerHoverProvider({ scheme: NAT_SCHEME }, natDocuments),
  );

  const ctx: CommandContext = { store, log, views, natDocuments };
  // Live connections: the Connections view (collapsed at first) and the topology's overlay read them while shown.
  const connections = new ConnectionsMonitor(store, log);
  const connectionsProvider = new ConnectionsTreeProvider(connections, () => store.readOnly);
  const connectionsView = vscode.window.createTreeView(VIEW.connections, { treeDataProvider: connectionsProvider });
  const showConnections = () => {
    connections.watch('view', connectionsView.visible);
    connectionsView.message = connectionsView.visible ? connectionsProvider.summary() : undefined;
  };
  context.subscriptions.push(
    connections,
    connectionsProvider,
    connectionsView,
    connectionsView.onDidChangeVisibility(showConnections),
    connections.onDidChange(showConnections),
  );
  showConnections();
  const topology = new TopologyController(ctx, context.extensionUri, context.globalState, connections);
  context.subscriptions.push(topology);
  const trace = createTraceView(context, ctx);
  const reach = new ReachController(ctx, context.extensionUri);
  context.subscriptions.push(reach);
  const captures = new CaptureController(context.extensionUri, context.globalStorageUri, log);
  context.subscriptions.push(captures);
  // Every command in one table, keyed by ids.ts: a command missing here does not compile.
  const commands: Record<CommandName, (...args: never[]) => unknown> = {
    refresh: refresh(ctx),
    grantAccess: () => access.grant(),
    filter: filter(ctx),
    clearFilter: clearFilter(ctx),
    copyName: copyName(ctx),
    copyAddress: copyAddress(ctx),
    copyRule: copyRule(ctx),
    goToPeer: goToPeer(ctx),
    openNatRules: openNatRules(ctx),
    createPortMapping: createPortMapping(ctx),
    publishPort: createPortMapping(ctx),
    deletePortMapping: deletePortMapping(ctx),
    cleanUpLeftovers: cleanUpLeftovers(ctx),
    showTopology: topology.show,
    exportTopology: topology.export,
    showReachability: reach.show,
    showOutput: () => log.channel.show(),
    traceConnection: traceConnection(ctx, trace.ui),
    whyNotWorking: whyNotWorking(ctx, trace.ui),
    traceWithKernel: traceWithKernel(ctx, trace.ui, reach),
    traceRequest: traceRequest(ctx, trace.ui),
    captureTraffic: captureTraffic(ctx, captures, trace.ui),
    capturePath: capturePath(ctx, captures, trace.ui),
    revealTraceStep: trace.revealStep,
    undoLastChange: undoLastChange,
  };
  for (const [name, handler] of Object.entries(commands) as [CommandName, (...args: never[]) => unknown][])
    context.subscriptions.push(vscode.commands.registerCommand(COMMAND[name], handler));

  // Read-only mode says what is missing on the Namespaces view itself.
  const showReadOnly = () => {
    const f = store.filter;
    const none =
      f.search.trim() !== '' &&
      store.snapshot !== null &&
      !store.snapshot.namespaces.some((n) => namespaceVisible(n, f, store.snapshot!));
    // A runtime that is there but could not be asked (stopped, forbidden, hung) gets one line; none installed, none.
    const runtimeLine = (store.snapshot?.runtime?.runtimes ?? [])
      .filter((r) => r.status !== 'ok' && !notInstalled(r))
      .map((r) => `${r.runtime} (${r.endpoint}): ${r.status}: ${r.message}. Container names are not shown.`)[0];
    views.namespaces.message = none
      ? `No namespace matches “${f.search.trim()}”: Clear Filter (the button above) shows them all again.`
      : runtimeLine && !store.readOnly
        ? runtimeLine
        : store.readOnly
          ? access.stoppedReason
            ? `Read-only: ${access.stoppedReason}. Grant Access starts it again.`
            : 'Read-only: you see your own namespace only. Other namespaces and NAT rules need root: Grant Access asks for your sudo password once.'
          : undefined;
    // When the picture was taken, so a stale one shows as such.
    const taken = store.snapshot ? new Date(store.snapshot.takenAt) : null;
    const updated = taken && !Number.isNaN(taken.getTime()) ? `updated ${taken.toLocaleTimeString()}` : '';
    // A picture with reads that failed (a namespace gone mid-read, a timeout) is marked partial, not shown as whole;
    // permission errors are the read-only line's business.
    const unread = new Set(
      (store.snapshot?.errors ?? [])
        .filter((e) => e.namespace !== null && e.reason !== 'permission')
        .map((e) => e.namespace),
    ).size;
    const partial = unread ? `partial: ${unread} namespace${unread === 1 ? '' : 's'} not fully read` : '';
    views.namespaces.description =
      [f.hideLoopback ? 'no lo' : '', f.hideDown ? 'up only' : '', f.search ? `“${f.search}”` : '', updated, partial]
        .filter(Boolean)
        .join(' · ') || undefined;
  };
  context.subscriptions.push(store.onDidChange(showReadOnly), store.onDidChangeFilter(showReadOnly));

  const auto = new AutoRefresh(
    (changed) => void store.refresh(changed),
    () => store.hostId,
    log,
    (followed) => void store.poll(followed),
  );
  context.subscriptions.push(store.onDidChange((s) => auto.followRules(s, store.canFollowRules)));
  const anyVisible = () => Object.values(views).some((v) => v.visible) || topology.visible;
  const onVisibility = () => {
    auto.update(anyVisible());
    if (store.snapshot) auto.followRules(store.snapshot, store.canFollowRules);
  };
  for (const v of Object.values(views)) context.subscriptions.push(v.onDidChangeVisibility(onVisibility));
  context.subscriptions.push(topology.onDidChangeVisibility(onVisibility));
  context.subscriptions.push(
    auto,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTING.section)) return;
      if (e.affectsConfiguration(SETTING.privilege)) store.resetPrivilege();
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
    providers,
    views,
    trace: trace.provider,
    tracedPath: currentTracedPath,
    topologyHighlight: () => topology.lastHighlight,
    leftoverNotice,
    checkLeftovers: () => (store.snapshot ? offerLeftoverCleanup(ctx, context.globalState, store.snapshot) : null),
    topologyPanel: () => topology.webviewPanel,
    followedRules: () => auto.followedRules,
  };
}

/** Stops every command still running, with what it started (a hung dump, a monitor). */
export function deactivate(): void {
  stopAllCommands();
}
