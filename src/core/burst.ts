// Follows bursts of events: one call once a burst has been quiet for `settleMs`. Auto refresh uses it to read the
// whole host once more after a burst (a container start, a lab coming up), so a read that raced the burst is
// replaced by one taken after it.

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class BurstFollower {
  private handle: unknown = null;

  constructor(
    private readonly settleMs: number,
    private readonly onSettled: () => void,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  /** An event of the burst: the quiet period starts again. */
  event(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = this.timers.set(() => {
      this.handle = null;
      this.onSettled();
    }, this.settleMs);
  }

  /** Forget the burst (views hidden, auto refresh off). */
  cancel(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
  }
}
