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

interface ReadRequest {
  changed: ReadonlySet<string> | null;
  keepRules: ReadonlySet<string>;
}

export class SnapshotStore implements vscode.Disposable {
  private current: Snapshot | null = null;
  private choice: AccessChoice | null = null;
  /**
   * Refreshes, one at a time. `changed`: null reads every namespace, a set only those (and new ones). `keepRules`
   * (with null): namespaces whose rules events follow, whose last rule dumps are kept (the poll). Folded requests
   * read the union of what each wanted.
   */
  private readonly refreshes = new FoldedRuns<ReadRequest, Snapshot | null>(
    (r) => this.take(r),
    (a, b) => ({
      changed: a.changed === null || b.changed === null ? null : new Set([...a.changed, ...b.changed]),
      keepRules: new Set([...a.keepRules].filter((id) => b.keepRules.has(id))),
    }),
  );
  /** The last kernel read and runtimes' answer: a refresh that finds both the same changes nothing downstream. */
  private lastKernel: Snapshot | null = null;
  private lastRuntimes = '';
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
    return this.refreshes.run({ changed: changed ?? null, keepRules: new Set() });
  }

  /** The poll: every namespace, but those in `followed` keep their last rules (events report their changes). */
  poll(followed: ReadonlySet<string>): Promise<Snapshot | null> {
    return this.refreshes.run({ changed: null, keepRules: followed });
  }

  /** Rules can be followed by `nft monitor` here: this process reads the host itself, as root. */
  get canFollowRules(): boolean {
    return this.choice?.access.via === 'direct' && !this.choice.readOnly && process.getuid?.() === 0;
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

  private async take({ changed, keepRules }: ReadRequest): Promise<Snapshot | null> {
    const settings = readSettings();
    try {
      const choice = await this.access.current();
      // A change of access (granted, helper stopped) reads everything: the last picture was taken another way.
      const same = this.current !== null && choice === this.choice;
      const incremental = changed !== null && same;
      this.choice = choice;
      const started = Date.now();
      // The runtime's names are asked beside the kernel read, so a slow daemon (2 s at most) costs no extra time.
      const [kernel, runtimes] = await Promise.all([
        choice.access.snapshot({
          dockerDirs: settings.dockerNetnsDirs,
          concurrency: settings.concurrency,
          skipNat: choice.readOnly,
          changed: incremental ? [...changed] : null,
          ...(same && !incremental && keepRules.size ? { keepRules: [...keepRules] } : {}),
        }),
        // Through the helper when there is one: a user outside the docker group gets names too.
        // A socket the helper will not open (outside /run: rootless Docker in a home) is the user's own: read it here.
        choice.access
          .runtimes(dockerEndpoint(settings.dockerHost || undefined))
          .catch(() => readRuntimes({ dockerHost: settings.dockerHost || undefined })),
      ]);
      const runtimesText = JSON.stringify(runtimes);
      if (same && kernel === this.lastKernel && runtimesText === this.lastRuntimes) {
        // Read again, found the same (the collector gave back its last snapshot): nothing to rebuild or redraw.
        this.log.info(`unchanged after ${Date.now() - started} ms`);
        return this.current;
      }
      this.lastKernel = kernel;
      this.lastRuntimes = runtimesText;
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
