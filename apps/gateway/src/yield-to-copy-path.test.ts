import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { untilCopyPathQuiet } from './yield-to-copy-path';

/** A clock that the waits advance: `busyUntil` is when the copy path's last transaction ends. */
function clock(busyUntil: number[]) {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms: number) => { slept.push(ms); t += ms; },
    // quiet since the last end at or before now; 0 while one is under way
    quietFor: () => {
      const ended = busyUntil.filter((e) => e <= t);
      const running = busyUntil.some((e) => e > t && e - 5 <= t);
      return running ? 0 : ended.length === 0 ? Infinity : t - Math.max(...ended);
    },
  };
}

describe('background work yields to the copy path', () => {
  test('a quiet copy path: the full chunk runs at once', async () => {
    const c = clock([]);
    assert.equal(await untilCopyPathQuiet({ ...c, quietMs: 20, maxDeferMs: 200 }), true);
    assert.deepEqual(c.slept, []);
  });

  test('waits until the copy path has been quiet long enough, no longer', async () => {
    const c = clock([3]); // a transaction from 0 to 3 ms
    assert.equal(await untilCopyPathQuiet({ ...c, quietMs: 20, maxDeferMs: 200 }), true);
    assert.equal(c.now(), 23);
  });

  test('a copy path that never pauses: the wait ends at the deadline, and the caller runs a small chunk', async () => {
    const ends = Array.from({ length: 100 }, (_, i) => 5 + i * 5); // back to back, every 5 ms
    const c = clock(ends);
    assert.equal(await untilCopyPathQuiet({ ...c, quietMs: 20, maxDeferMs: 200 }), false);
    assert.ok(c.now() >= 200 && c.now() < 220, `gave up at ${c.now()} ms`);
  });

  test('the real clock: a quiet path resolves at once, a busy one by its deadline', async () => {
    assert.equal(await untilCopyPathQuiet({ quietFor: () => 1_000, quietMs: 20, maxDeferMs: 50 }), true);
    const from = performance.now();
    assert.equal(await untilCopyPathQuiet({ quietFor: () => 0, quietMs: 20, maxDeferMs: 50 }), false);
    assert.ok(performance.now() - from >= 45);
  });
});
