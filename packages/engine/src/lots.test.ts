import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimalPlaces, isWholeSteps, roundVolume, stepGrid, stepsToVolume, sumVolumes, volumeToSteps } from './lots.js';

describe('stepGrid', () => {
  it('derives decimals and integer units of the step', () => {
    assert.deepEqual(stepGrid(0.01), { step: 0.01, decimals: 2, units: 1 });
    assert.deepEqual(stepGrid(0.05), { step: 0.05, decimals: 2, units: 5 });
    assert.deepEqual(stepGrid(1), { step: 1, decimals: 0, units: 1 });
    assert.deepEqual(stepGrid(0.001), { step: 0.001, decimals: 3, units: 1 });
    assert.deepEqual(stepGrid(0.1), { step: 0.1, decimals: 1, units: 1 });
    assert.deepEqual(stepGrid(2.5), { step: 2.5, decimals: 1, units: 25 });
  });
  it('rejects a non-positive or non-finite step', () => {
    assert.throws(() => stepGrid(0), RangeError);
    assert.throws(() => stepGrid(-0.01), RangeError);
    assert.throws(() => stepGrid(Number.NaN), RangeError);
  });
});

describe('roundVolume', () => {
  const cases: Array<[number, number, 'down' | 'up' | 'nearest', number]> = [
    [0.075, 0.01, 'down', 0.07],
    [0.29999999, 0.01, 'down', 0.3], // 29.999999 steps counts as 30
    [0.1 + 0.2, 0.01, 'down', 0.3], // 0.30000000000000004 → 0.3, no noise
    [0.3 - 0.1 - 0.1 - 0.1 + 0.07, 0.01, 'down', 0.07],
    [0.129, 0.05, 'down', 0.1],
    [0.129, 0.05, 'up', 0.15],
    [0.124, 0.05, 'nearest', 0.1],
    [7 * 0.01, 0.01, 'down', 0.07],
    [5, 0.01, 'down', 5],
    [123.456, 0.1, 'down', 123.4],
    [1.9999, 1, 'down', 1],
    [0.0149999, 0.001, 'down', 0.014],
  ];
  for (const [volume, step, mode, expected] of cases) {
    it(`${volume} at step ${step} (${mode}) → ${expected}`, () => {
      const v = roundVolume(volume, step, mode);
      assert.equal(v, expected);
      assert.ok(isWholeSteps(v, step));
    });
  }
  it('never prints float noise', () => {
    for (let steps = 0; steps <= 10_000; steps++) {
      const v = stepsToVolume(steps, stepGrid(0.01));
      assert.ok(/^\d+(\.\d{1,2})?$/u.test(String(v)), String(v));
    }
  });
  it('gives the volume that printing the steps to the step\'s places and parsing it back gives, at every size', () => {
    const printed = (steps: number, step: number) => {
      const g = stepGrid(step);
      return Number(((steps * g.units) / 10 ** g.decimals).toFixed(g.decimals));
    };
    const steps = [0, -0, 1, -1, 7, 29, 30, 999, 1_000_001, 123_456_789, 2 ** 40 + 3, 2 ** 49 - 1, 2 ** 50 - 7, 2 ** 50 + 1, 2 ** 52 + 3];
    for (const step of [1, 0.5, 0.1, 0.05, 0.01, 0.001, 0.025, 2.5, 1e-5, 1e-8, 1e-10, 37.5]) {
      const g = stepGrid(step);
      for (const n of [...steps, ...steps.map((x) => -x)]) {
        if (!Number.isSafeInteger(n * g.units)) continue;
        assert.ok(Object.is(stepsToVolume(n, g), printed(n, step)), `${n} steps of ${step}: ${stepsToVolume(n, g)} against ${printed(n, step)}`);
      }
      // Random step counts over the whole range the fast division covers.
      for (let i = 0; i < 2000; i++) {
        const n = Math.floor(Math.random() * 2 ** (1 + Math.floor(Math.random() * 50))) * (i % 2 === 0 ? 1 : -1);
        if (!Number.isSafeInteger(n * g.units)) continue;
        assert.ok(Object.is(stepsToVolume(n, g), printed(n, step)), `${n} steps of ${step}`);
      }
    }
  });
  it('volumeToSteps floors with a tolerance and ceils symmetrically', () => {
    const g = stepGrid(0.01);
    assert.equal(volumeToSteps(0.07, g), 7);
    assert.equal(volumeToSteps(0.0799, g), 7);
    assert.equal(volumeToSteps(0.070001, g, 'up'), 8);
    assert.equal(volumeToSteps(0.07000000001, g, 'up'), 7);
  });
});

describe('sumVolumes / decimalPlaces', () => {
  it('adds decimals exactly', () => {
    assert.equal(sumVolumes([0.1, 0.2]), 0.3);
    assert.equal(sumVolumes([0.07, 0.01, 0.01]), 0.09);
    assert.equal(sumVolumes([0.3, -0.15]), 0.15);
    assert.equal(sumVolumes([]), 0);
  });
  it('one volume: itself when it prints with at most 10 decimals, float noise still cleaned — as the general path', () => {
    assert.equal(sumVolumes([0.07]), 0.07);
    assert.equal(sumVolumes([0.1 + 0.2]), 0.3);
    assert.ok(Object.is(sumVolumes([-0]), 0));
    // [v, 0] takes the general path (the sum's decimals are v's): both must agree on any volume.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const steps = Math.floor(next() * 1e6);
      const v = [steps * 0.01, steps / 3, steps * 1e-7, next() * 1000, (steps * 0.1) * 3, 1 / (steps + 1)][i % 6]!;
      assert.equal(sumVolumes([v]), sumVolumes([v, 0]), `volume ${v}`);
    }
  });
  it('counts decimal places, including exponent notation', () => {
    assert.equal(decimalPlaces(0.07), 2);
    assert.equal(decimalPlaces(5), 0);
    assert.equal(decimalPlaces(1e-7), 7);
    assert.equal(decimalPlaces(1.5e-7), 8);
  });
});
