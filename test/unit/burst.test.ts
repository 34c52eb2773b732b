// BurstFollower: one call after a burst of events has been quiet for the settle time, none while it goes on.
import { strict as assert } from 'node:assert';
import { BurstFollower, type Timers } from '../../src/core/burst';

/** Timers driven by hand: `advance(ms)` runs what is due. */
function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set: (fn, ms) => {
      due.set(next, { at: now + ms, fn });
      return next++;
    },
    clear: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at > now) continue;
        due.delete(id);
        t.fn();
      }
    },
  };
}

describe('BurstFollower', () => {
  it('calls once, settle time after the last event of a burst', () => {
    const timers = fakeTimers();
    let calls = 0;
    const follower = new BurstFollower(1500, () => calls++, timers);
    for (let i = 0; i < 10; i++) {
      follower.event();
      timers.advance(400);
    }
    assert.equal(calls, 0, 'nothing while events keep coming');
    timers.advance(1100);
    assert.equal(calls, 1);
    timers.advance(5000);
    assert.equal(calls, 1, 'once per burst');
  });

  it('does nothing after cancel', () => {
    const timers = fakeTimers();
    let calls = 0;
    const follower = new BurstFollower(1500, () => calls++, timers);
    follower.event();
    follower.cancel();
    timers.advance(2000);
    assert.equal(calls, 0);
  });
});
