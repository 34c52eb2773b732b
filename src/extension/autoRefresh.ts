// Refreshes on change while a view is visible: `ip monitor` for links and addresses, `nft monitor` for the rules of the
// namespaces that hold them (host/ruleEvents.ts), folder watchers, runtime events, and a slow poll that leaves the
// followed namespaces' rules alone.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { BurstFollower } from '../core/burst';
import { DEFAULT_NAMED_DIR } from '../host/discovery';
import { watchLines, type Watch } from '../host/runner';
import { RULE_EVENT_WAIT_MS, RuleEvents } from '../host/ruleEvents';
import { namespacesToFollow } from '../core/rules/follow';
import type { Snapshot } from '../core/model';
import { dockerEndpoint, watchDockerEvents, type EventWatch } from '../host/runtimes/docker';
import { readSettings } from './config';
import type { Log } from './log';

/** Events come in bursts (a container start is a dozen netlink messages): wait for quiet first. */
export const DEBOUNCE_MS = 500;
/**
 * A read during a burst may catch it half done (a lab building, `docker run -p` writing its rules after its links):
 * once the burst has been quiet this long, everything is read once more, so the picture converges.
 */
export const SETTLE_MS = 1500;
/** After a runtime event (a container started or stopped): the runtime has finished its part already. */
export const RUNTIME_EVENT_WAIT_MS = 100;

export class AutoRefresh implements vscode.Disposable {
  private monitor: Watch | null = null;
  private events: EventWatch | null = null;
  private watchers: FSWatcher[] = [];
  private poll: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running = false;
  private readonly settle = new BurstFollower(SETTLE_MS, () => this.settled());
  /**
   * What the settle read reads: everything after a burst of link, folder or runtime events; after a burst of rule
   * events only, just those namespaces again (a kube-proxy sync must not cost a read of every rule on the host).
   */
  private settleAll = false;
  private settleRules = new Set<string>();

  private settled(): void {
    const all = this.settleAll;
    const rules = this.settleRules;
    this.settleAll = false;
    this.settleRules = new Set();
    this.refresh(all ? undefined : rules);
  }

  /**
   * `refresh(changed)`: `changed` lists namespaces an event named (undefined: read everything).
   * `hostId()` is the host namespace's id, the one `ip monitor` reports on.
   */
  private readonly rules: RuleEvents;

  constructor(
    private readonly refresh: (changed?: ReadonlySet<string>) => void,
    private readonly hostId: () => string | undefined,
    private readonly log: Log,
    /** The poll: every namespace, those whose rules are followed keeping their last rules. */
    private readonly pollRefresh: (followed: ReadonlySet<string>) => void = () => refresh(),
  ) {
    this.rules = new RuleEvents(
      (ns) => this.trigger(ns, RULE_EVENT_WAIT_MS, false, true),
      (m) => this.log.info(m),
    );
  }

  /** The namespaces whose rules events follow now (for tests and the log). */
  get followedRules(): ReadonlySet<string> {
    return this.rules.followed;
  }

  /**
   * After each snapshot: follows the rules of the namespaces core/rules/follow.ts picks, while running and when this
   * process reads the host as root (`allowed`); else none, and the poll reads every rule.
   */
  followRules(snapshot: Snapshot, allowed: boolean): void {
    if (!this.running || !allowed) {
      this.rules.stop();
      return;
    }
    const ids = new Set(namespacesToFollow(snapshot));
    this.rules.follow(snapshot.namespaces.filter((n) => ids.has(n.id)));
  }

  /** Namespaces named by events since the last refresh; folder events add none (new namespaces are always read). */
  private pending = new Set<string>();

  /** Starts or stops everything to match whether any view is visible and the settings. */
  update(anyViewVisible: boolean): void {
    const settings = readSettings();
    const want = anyViewVisible && settings.autoRefresh;
    if (want === this.running) {
      if (want) this.restartPoll(settings.pollIntervalSeconds);
      return;
    }
    this.stop();
    if (!want) return;
    this.running = true;
    this.monitor = watchLines(
      ['ip', 'monitor', 'link', 'address'],
      () => this.trigger(this.hostId()),
      (failure) => {
        if (failure) this.log.error(`ip monitor stopped: ${failure}; relying on the poll`);
      },
    );
    this.watchFolders([DEFAULT_NAMED_DIR, ...settings.dockerNetnsDirs]);
    // Docker's own events: a container started or stopped, a network made (the rules it writes raise no netlink event).
    // A runtime's event comes once the container is set up (`start`): a short wait is enough.
    // A namespace read at `create` may be read again at `start` (its cable is made in between): read everything.
    this.events = watchDockerEvents(dockerEndpoint(settings.dockerHost || undefined), () =>
      this.trigger(undefined, RUNTIME_EVENT_WAIT_MS, true),
    );
    this.restartPoll(settings.pollIntervalSeconds);
  }

  /**
   * Watches each namespace folder. One that does not exist yet (Docker not started, no named namespace made) is
   * awaited from its nearest existing parent, so a Docker started after the window is seen at once, not at the poll.
   */
  private watchFolders(dirs: readonly string[]): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const dir of dirs) {
      try {
        this.watchers.push(watch(dir, () => this.trigger()));
        continue;
      } catch {
        // not there yet: watch for it below
      }
      let parent = dirname(dir);
      while (parent !== dirname(parent) && !existsSync(parent)) parent = dirname(parent);
      // Only the entry on the way to the folder matters: /run sees other changes all the time.
      const next = relative(parent, dir).split(sep)[0];
      try {
        this.watchers.push(
          watch(parent, (_event, name) => {
            if (name !== null && String(name) !== next) return;
            // One level nearer (or the folder itself) now exists: watch from there.
            if (existsSync(join(parent, next ?? ''))) this.watchFolders(dirs);
            this.trigger();
          }),
        );
      } catch {
        // an unreadable parent: the poll covers it
      }
    }
  }

  private restartPoll(seconds: number): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = seconds > 0 ? setInterval(() => this.pollRefresh(this.rules.followed), seconds * 1000) : null;
  }

  /** `everything`: read every namespace (a runtime event does not say which namespace it touched). */
  private trigger(changedNamespace?: string, waitMs = DEBOUNCE_MS, everything = false, rules = false): void {
    if (changedNamespace !== undefined) this.pending.add(changedNamespace);
    if (everything) this.pendingAll = true;
    if (rules && changedNamespace !== undefined) this.settleRules.add(changedNamespace);
    else this.settleAll = true;
    this.settle.event();
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      const changed = this.pending;
      const all = this.pendingAll;
      this.pending = new Set();
      this.pendingAll = false;
      this.refresh(all ? undefined : changed);
    }, waitMs);
  }

  private pendingAll = false;

  private stop(): void {
    this.running = false;
    this.monitor?.stop();
    this.monitor = null;
    this.rules.stop();
    this.events?.stop();
    this.events = null;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    this.settle.cancel();
    this.settleAll = false;
    this.settleRules = new Set();
  }

  dispose(): void {
    this.stop();
  }
}
