// What a capture of several interfaces does with the packets its tcpdumps deliver, apart from processes and files:
// it merges them by time, numbers them, enforces the limits, and keeps the last few for display.
import type { NamespaceId } from '../model';
import { decodePacket, type DecodedPacket } from './decode';
import type { PcapRecord } from './pcap';

export interface CaptureTarget {
  namespace: NamespaceId;
  /** How the namespace is shown: the container's name, the namespace's name, or its id. */
  label: string;
  iface: string;
}

/** pcapng if_name of a target: `namespace/interface`. */
export const targetName = (t: Pick<CaptureTarget, 'label' | 'iface'>): string => `${t.label}/${t.iface}`;

export interface CaptureLimits {
  /** Packets in all interfaces together. */
  packets: number;
  /** Bytes captured (the packets' captured lengths). */
  bytes: number;
  seconds: number;
}

/** So no capture runs unbounded: the defaults of the panel and the CLI. */
export const DEFAULT_LIMITS: CaptureLimits = { packets: 10_000, bytes: 64 * 1024 * 1024, seconds: 300 };

/** Packets the panel keeps for display; the file gets every packet within the limits. */
export const DISPLAY_KEPT = 2_000;

/** How long a packet waits so that one captured earlier on another interface, delivered later, goes first. */
export const REORDER_WINDOW_NS = 300_000_000n;

export interface CapturedPacket extends PcapRecord {
  /** 1-based, in time order across all interfaces. */
  no: number;
  /** Index of its target. */
  source: number;
  linktype: number;
}

export interface ShownPacket extends DecodedPacket {
  no: number;
  /** Seconds since the capture's first packet. */
  time: number;
  tsNs: string;
  /** `namespace/interface`. */
  where: string;
  length: number;
}

export type StopReason = 'packets' | 'bytes' | 'seconds' | 'stopped' | 'ended' | 'failed';

export const STOP_TEXT: Record<StopReason, string> = {
  packets: 'packet limit reached',
  bytes: 'byte limit reached',
  seconds: 'time limit reached',
  stopped: 'stopped',
  ended: 'every tcpdump ended',
  failed: 'failed',
};

/**
 * Merges the packets of several sources by timestamp. A packet is released once the clock is `window` past its
 * timestamp, so one captured before it on another interface and delivered a little later still goes first; `drain`
 * with `all` releases the rest (at the end). Timestamps and the clock are the same realtime clock.
 */
export class TimeMerger<T extends { tsNs: bigint }> {
  private pending: T[] = [];
  constructor(private readonly window = REORDER_WINDOW_NS) {}

  add(item: T): void {
    this.pending.push(item);
  }

  get size(): number {
    return this.pending.length;
  }

  drain(nowNs: bigint, all = false): T[] {
    if (!this.pending.length) return [];
    this.pending.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
    if (all) return this.pending.splice(0);
    const cut = nowNs - this.window;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.tsNs <= cut) n++;
    return this.pending.splice(0, n);
  }
}

/** Counts what a capture took against its limits: the first packet beyond one is refused and ends the capture. */
export class LimitCounter {
  packets = 0;
  bytes = 0;
  constructor(readonly limits: CaptureLimits) {}

  /** Whether a packet of `capLen` bytes is within the limits (counted if so); else the limit it would pass. */
  take(capLen: number): StopReason | null {
    if (this.packets >= this.limits.packets) return 'packets';
    if (this.bytes + capLen > this.limits.bytes) return 'bytes';
    this.packets++;
    this.bytes += capLen;
    return null;
  }

  /** The limit reached exactly (the count is full), so the capture stops without waiting for one more packet. */
  full(): StopReason | null {
    return this.packets >= this.limits.packets ? 'packets' : null;
  }
}

/** A packet as the list shows it (times relative to the first packet). */
export function showPacket(p: CapturedPacket, targets: readonly CaptureTarget[], firstNs: bigint): ShownPacket {
  const t = targets[p.source]!;
  return {
    ...decodePacket(p.linktype, p.data),
    no: p.no,
    time: Number(p.tsNs - firstNs) / 1e9,
    tsNs: p.tsNs.toString(),
    where: targetName(t),
    length: p.origLen,
  };
}

/** A bounded list: keeps the last `max` items. */
export class Tail<T> {
  private items: T[] = [];
  dropped = 0;
  constructor(private readonly max = DISPLAY_KEPT) {}
  push(...more: T[]): void {
    this.items.push(...more);
    if (this.items.length > this.max) {
      const over = this.items.length - this.max;
      this.items.splice(0, over);
      this.dropped += over;
    }
  }
  get all(): readonly T[] {
    return this.items;
  }
}
