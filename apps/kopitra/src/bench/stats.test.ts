import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bySecond, percentile } from './stats';

describe('bench statistics', () => {
  test('percentile: nearest rank of an unsorted sample', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile(Array.from({ length: 100 }, (_, i) => 100 - i), 99), 99);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  test('bySecond: each second of the phase by when its signals were sent, empty seconds kept', () => {
    const samples = [
      ...Array.from({ length: 100 }, (_, i) => ({ at: i * 9, ms: i === 99 ? 50 : 1 })),
      { at: 2500, ms: 3 }, { at: 2999.9, ms: 4 },
    ];
    assert.deepEqual(bySecond(samples), [
      { p50: 1, p99: 1, n: 100 },
      { p50: NaN, p99: NaN, n: 0 },
      { p50: 3, p99: 4, n: 2 },
    ]);
    // the slow sample sent at 891 ms lands in the first second
    assert.deepEqual(bySecond([{ at: 891, ms: 50 }, { at: 1001, ms: 2 }]).map((s) => s.p99), [50, 2]);
    assert.deepEqual(bySecond([]), []);
  });
});
