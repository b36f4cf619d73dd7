import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLots, isWholeSteps, roundDownToStep, roundToTick, snapToStep, stepsIn, subLots } from './lots';

test('sums and differences are exact decimals', () => {
  assert.equal(addLots(0.1, 0.2), 0.3);
  assert.equal(subLots(0.3, 0.1), 0.2);
  assert.equal(subLots(1.25, 1.25), 0);
  let v = 0;
  for (let i = 0; i < 10; i++) v = addLots(v, 0.01);
  assert.equal(v, 0.1);
});

test('round down to the step, counting 0.29999999 of a step as whole', () => {
  assert.equal(roundDownToStep(0.075, 0.01), 0.07);
  assert.equal(roundDownToStep(0.1 + 0.2, 0.1), 0.3);
  assert.equal(roundDownToStep(0.29999999999, 0.01), 0.3);
  assert.equal(roundDownToStep(1.239, 0.01), 1.23);
  assert.equal(roundDownToStep(7, 0.5), 7);
  assert.equal(roundDownToStep(7.4, 0.5), 7);
  assert.equal(stepsIn(0.3, 0.1), 3);
  assert.equal(snapToStep(0.30000000000000004, 0.01), 0.3);
});

test('whole steps and tick rounding', () => {
  assert.ok(isWholeSteps(0.3, 0.1));
  assert.ok(isWholeSteps(0.1 + 0.2, 0.01));
  assert.ok(!isWholeSteps(0.015, 0.01));
  assert.equal(roundToTick(1.08344 + 0.00001, 0.00001, 5), 1.08345);
  assert.equal(roundToTick(2650.3049, 0.01, 2), 2650.3);
});
