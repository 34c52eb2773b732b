// The one store of state: the current snapshot, how it was taken, the view filter, and refresh.
import * as vscode from 'vscode';
import { FoldedRuns } from '../core/foldedRuns';
import type { Snapshot } from '../core/model';
import type { AccessChoice, AccessManager } from './access';
import { linkRuntime } from '../core/runtime';
import { dockerEndpoint } from '../host/runtimes/docker';
import { readRuntimes } from '../host/runtimes';
import { readSettings } from './config';
import type { Log } from './log';
import { NO_FILTER, type ViewFilter } from './tree/filter';
import { showError } from './notify';
import { CONTEXT, VIEW } from './ids';

export { NO_FILTER, type ViewFilter } from './tree/filter';

export class SnapshotStore implements vscode.Disposable {
  private current: Snapshot | null = null;
  private choice: AccessChoice | null = null;
  /** Refreshes, one at a time; `undefined` reads every namespace, a set only those (and new ones). */
  private readonly refreshes = new FoldedRuns<ReadonlySet<string> | undefined, Snapshot | null>(
    (changed) => this.take(changed),
    (a, b) => (a === undefined || b === undefined ? undefined : new Set([...a, ...b])),
  );
  private viewFilter: ViewFilter = NO_FILTER;
  private readonly changed = new vscode.EventEmitter<Snapshot>();
  private readonly filterChanged = new vscode.EventEmitter<ViewFilter>();
  /** Fires after every refresh with the new snapshot. */
  readonly onDidChange = this.changed.event;
  readonly onDidChangeFilter = this.filterChanged.event;

  constructor(
    private readonly log: Log,
    readonly access: AccessManager,
  ) {
    // Granted, or the helper stopped: everything is read again the new way.
    access.onDidChange(() => void this.refresh());
  }

  get snapshot(): Snapshot | null {
    return this.current;
  }

  get readOnly(): boolean {
    return this.choice?.readOnly ?? false;
  }

  get filter(): ViewFilter {
    return this.viewFilter;
  }

  setFilter(filter: ViewFilter): void {
    this.viewFilter = filter;
    void vscode.commands.executeCommand(
      'setContext',
      CONTEXT.filtered,
      filter.hideDown || filter.hideLoopback || filter.search !== '',
    );
    this.filterChanged.fire(filter);
  }

  /** Settings that change how commands run are re-read on the next refresh. */
  resetPrivilege(): void {
    this.access.reset();
    this.choice = null;
  }

  /** The host namespace's id in the current snapshot (ip monitor reports its changes). */
  get hostId(): string | undefined {
    return this.current?.namespaces.find((n) => n.kind === 'host')?.id;
  }

  /**
   * Takes a new snapshot. With `changed`, only new namespaces and those listed are read again; the
   * rest reuse their last output. Calls made while one is running are folded into one follow-up
   * run, so a burst of events never queues a burst of snapshots; they resolve with that run's
   * snapshot, read after they called (see FoldedRuns).
   */
  refresh(changed?: ReadonlySet<string>): Promise<Snapshot | null> {
    return this.refreshes.run(changed);
  }

  /** Refresh with a progress indicator on the views and in the status bar. */
  refreshWithProgress(): Thenable<Snapshot | null> {
    return vscode.window.withProgress(
      { location: { viewId: VIEW.namespaces }, title: 'Reading network namespaces' },
      () =>
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: 'Netns Explorer: reading namespaces…' },
          () => this.refresh(),
        ),
    );
  }

  private async take(changed: ReadonlySet<string> | undefined): Promise<Snapshot | null> {
    const settings = readSettings();
    try {
      const choice = await this.access.current();
      // A change of access (granted, helper stopped) reads everything: the last picture was taken another way.
      const incremental = changed !== undefined && this.current !== null && choice === this.choice;
      this.choice = choice;
      const started = Date.now();
      // The runtime's names are asked beside the kernel read, so a slow daemon (2 s at most) costs no extra time.
      const [kernel, runtimes] = await Promise.all([
        choice.access.snapshot({
          dockerDirs: settings.dockerNetnsDirs,
          concurrency: settings.concurrency,
          skipNat: choice.readOnly,
          changed: incremental ? [...changed] : null,
        }),
        // Through the helper when there is one: a user outside the docker group gets names too.
        // A socket the helper will not open (outside /run: rootless Docker in a home) is the user's own: read it here.
        choice.access
          .runtimes(dockerEndpoint(settings.dockerHost || undefined))
          .catch(() => readRuntimes({ dockerHost: settings.dockerHost || undefined })),
      ]);
      const snapshot = linkRuntime(kernel, runtimes);
      this.log.info(
        `${incremental ? 'incremental' : 'full'} snapshot: ${snapshot.namespaces.length} namespaces, ${snapshot.portMappings.length} port mappings, ${snapshot.errors.length} errors in ${Date.now() - started} ms`,
      );
      this.current = snapshot;
      await vscode.commands.executeCommand('setContext', CONTEXT.loaded, true);
      this.changed.fire(snapshot);
      return snapshot;
    } catch (e) {
      this.log.error(`snapshot failed: ${(e as Error).stack ?? String(e)}`);
      // A helper that stopped mid-read has said so already (AccessManager), and the next read is read-only.
      if (/privileged helper (stopped|is not running)/.test((e as Error).message)) return null;
      void showError(`Netns Explorer could not read the host: ${(e as Error).message}`, 'Show Log').then((pick) => {
        if (pick) this.log.channel.show();
      });
      return null;
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.filterChanged.dispose();
  }
}
