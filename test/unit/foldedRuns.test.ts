// FoldedRuns (the store's refresh): one run at a time, calls during a run fold into one follow-up run whose result they
// get.
import { strict as assert } from 'node:assert';
import { FoldedRuns } from '../../src/core/foldedRuns';

/** A job whose runs finish when the test says so: each run records its argument and waits. */
function controlledJob() {
  const runs: { arg: string[]; finish(result: string): void; fail(e: Error): void }[] = [];
  const job = (arg: string[]) =>
    new Promise<string>((resolve, reject) => {
      runs.push({ arg, finish: resolve, fail: reject });
    });
  return { runs, folded: new FoldedRuns<string[], string>(job, (a, b) => [...a, ...b]) };
}
/** Lets settled promises run their callbacks (no timers: only the microtask queue). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('FoldedRuns', () => {
  it("a call made while a run is under way gets the follow-up run's result, not the earlier one", async () => {
    const { runs, folded } = controlledJob();
    const first = folded.run(['a']);
    const second = folded.run(['b']);
    assert.notEqual(second, first);
    assert.equal(runs.length, 1, 'no second run while the first is under way');
    runs[0]!.finish('read before b');
    assert.equal(await first, 'read before b');
    await settle();
    assert.equal(runs.length, 2, 'the follow-up starts when the first ends');
    assert.deepEqual(runs[1]!.arg, ['b']);
    runs[1]!.finish('read after b');
    assert.equal(await second, 'read after b');
  });

  it('every call made during one run folds into a single follow-up run with their arguments merged', async () => {
    const { runs, folded } = controlledJob();
    const first = folded.run(['a']);
    const later = [folded.run(['b']), folded.run(['c']), folded.run(['d'])];
    assert.equal(new Set(later).size, 1, 'one promise for all of them');
    runs[0]!.finish('1');
    await first;
    await settle();
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[1]!.arg, ['b', 'c', 'd']);
    runs[1]!.finish('2');
    assert.deepEqual(await Promise.all(later), ['2', '2', '2']);
  });

  it('a call made while idle starts its own run at once', async () => {
    const { runs, folded } = controlledJob();
    const first = folded.run(['a']);
    runs[0]!.finish('1');
    await first;
    const next = folded.run(['b']);
    assert.equal(runs.length, 2);
    runs[1]!.finish('2');
    assert.equal(await next, '2');
  });

  it('a failed run rejects its own callers only; the follow-up still runs', async () => {
    const { runs, folded } = controlledJob();
    const first = folded.run(['a']);
    const second = folded.run(['b']);
    runs[0]!.fail(new Error('boom'));
    await assert.rejects(first, /boom/);
    await settle();
    runs[1]!.finish('ok');
    assert.equal(await second, 'ok');
  });
});
