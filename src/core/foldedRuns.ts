// One run of a job at a time: calls made while it runs fold into a single follow-up run, whose result they all get.

interface Waiting<A, R> {
  arg: A;
  promise: Promise<R>;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * A burst of calls never queues a burst of runs, and what a caller gets was always produced by a run
 * that started after it called: a run already under way may have read its inputs too early to see
 * the change the caller asks about.
 */
export class FoldedRuns<A, R> {
  private running: Promise<R> | null = null;
  private next: Waiting<A, R> | null = null;

  /** `merge` joins the arguments of calls folded into one follow-up run. */
  constructor(
    private readonly job: (arg: A) => Promise<R>,
    private readonly merge: (a: A, b: A) => A,
  ) {}

  run(arg: A): Promise<R> {
    if (!this.running) return this.start(arg);
    if (this.next) {
      this.next.arg = this.merge(this.next.arg, arg);
      return this.next.promise;
    }
    let settle!: Pick<Waiting<A, R>, 'resolve' | 'reject'>;
    const promise = new Promise<R>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.next = { arg, promise, ...settle };
    return promise;
  }

  private start(arg: A): Promise<R> {
    const run = this.job(arg).finally(() => {
      this.running = null;
      const waiting = this.next;
      this.next = null;
      if (waiting) this.start(waiting.arg).then(waiting.resolve, waiting.reject);
    });
    this.running = run;
    return run;
  }
}
