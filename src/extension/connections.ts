// Live connections for the Connections view and the topology's overlay: the connection-tracking table of every
// namespace (`conntrack -L`, through this window's access), each DNATed connection tied to its port mapping. Read
// only while someone watches (the view visible, the overlay on), every few seconds, never two reads at once.
import * as vscode from 'vscode';
import { linkConnections, type Connection } from '../core/conntrack';
import type { Snapshot } from '../core/model';
import type { ConntrackRead } from '../host/conntrack';
import { readSettings } from './config';
import type { Log } from './log';
import type { SnapshotStore } from './store';

/** How often connections are read again while watched, at least. */
export const CONNECTIONS_POLL_MS = 3000;

/**
 * The wait before the next read: every 3 s, but never more than a quarter of the time reading (on a host of hundreds
 * of namespaces one read runs hundreds of `conntrack`s).
 */
export function nextReadDelay(lastReadMs: number | null): number {
  return Math.max(CONNECTIONS_POLL_MS, 3 * (lastReadMs ?? 0));
}

export interface ConnectionsReading {
  snapshot: Snapshot;
  connections: Connection[];
  /** Namespaces whose table could not be read, and why. */
  errors: { namespace: string; error: string }[];
  at: Date;
  durationMs: number;
}

export class ConnectionsMonitor implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectionsReading>();
  readonly onDidChange = this.changed.event;
  last: ConnectionsReading | null = null;
  private readonly watchers = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A read or the wait for the next one is under way. */
  private looping = false;
  private reading: Promise<ConnectionsReading | null> | null = null;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly store: SnapshotStore,
    private readonly log: Log,
  ) {
    // A new snapshot may bring namespaces or mappings: read again at once while watched.
    this.subscription = store.onDidChange(() => {
      if (this.watchers.size) void this.read();
    });
  }

  /** `who` starts or stops watching: reads run every few seconds while anyone does. */
  watch(who: string, on: boolean): void {
    if (on) this.watchers.add(who);
    else this.watchers.delete(who);
    if (this.watchers.size && !this.looping) this.loop();
    else if (!this.watchers.size && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.looping = false;
    }
  }

  /** Reads now, then again after `nextReadDelay`, while anyone watches. */
  private loop(): void {
    this.looping = true;
    this.timer = null;
    void this.read().then((r) => {
      if (!this.watchers.size) {
        this.looping = false;
        return;
      }
      this.timer = setTimeout(() => this.loop(), nextReadDelay(r?.durationMs ?? null));
    });
  }

  /** Reads every namespace's table now (or joins the read running). Null when there is no snapshot or no root. */
  read(): Promise<ConnectionsReading | null> {
    this.reading ??= this.readOnce().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readOnce(): Promise<ConnectionsReading | null> {
    const snapshot = this.store.snapshot;
    if (!snapshot || this.store.readOnly) return null;
    const started = performance.now();
    try {
      const access = (await this.store.access.current()).access;
      const reads: ConntrackRead[] = await access.connections(
        snapshot,
        snapshot.namespaces.map((n) => n.id),
        readSettings().concurrency,
      );
      const reading: ConnectionsReading = {
        snapshot,
        connections: linkConnections(
          reads.flatMap((r) => r.connections),
          snapshot.portMappings,
        ),
        errors: reads.filter((r) => r.error).map((r) => ({ namespace: r.namespace, error: r.error! })),
        at: new Date(),
        durationMs: performance.now() - started,
      };
      this.last = reading;
      this.changed.fire(reading);
      return reading;
    } catch (e) {
      this.log.info(`connections: ${(e as Error).message}`);
      return null;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.watchers.clear();
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
