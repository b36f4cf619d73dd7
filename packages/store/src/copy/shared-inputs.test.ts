import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hoistCommonInputs, withSharedInputs } from './shared-inputs';

test('inputs shared by every decision move to the run; each decision keeps its own', () => {
  const { common, decisions } = hoistCommonInputs([
    { inputs: { masterPrice: 1.085, masterSide: 'buy', multiplier: 1, sl: null, map: { a: 1 } } },
    { inputs: { masterPrice: 1.085, masterSide: 'buy', multiplier: 2, sl: null, map: { a: 1 } } },
  ]);
  assert.deepEqual(common, { masterPrice: 1.085, masterSide: 'buy', sl: null });
  assert.deepEqual(decisions.map((d) => d.inputs), [{ multiplier: 1, map: { a: 1 } }, { multiplier: 2, map: { a: 1 } }]);
});

test('one decision, or nothing shared: unchanged', () => {
  const one = [{ inputs: { a: 1 } }];
  assert.deepEqual(hoistCommonInputs(one), { common: {}, decisions: one });
  const none = [{ inputs: { a: 1 } }, { inputs: { a: 2 } }];
  assert.deepEqual(hoistCommonInputs(none).common, {});
});

test('a key present in only some decisions stays with them', () => {
  const { common, decisions } = hoistCommonInputs([{ inputs: { a: 1, b: 2 } }, { inputs: { a: 1 } }]);
  assert.deepEqual(common, { a: 1 });
  assert.deepEqual(decisions.map((d) => d.inputs), [{ b: 2 }, {}]);
});

test('undefined is absent: never shared, not copied into a decision\'s own inputs', () => {
  const { common, decisions } = hoistCommonInputs([{ inputs: { a: 1, b: undefined, c: 2 } }, { inputs: { a: 1, b: undefined, c: 3 } }]);
  assert.deepEqual(common, { a: 1 });
  assert.deepEqual(decisions.map((d) => d.inputs), [{ c: 2 }, { c: 3 }]);
  const byName = hoistCommonInputs([{ inputs: { a: 1, b: undefined, c: 2 } }, { inputs: { c: 3, b: undefined, a: 1 } }]);
  assert.deepEqual(byName.decisions.map((d) => d.inputs), [{ c: 2 }, { c: 3 }]);
  const none = hoistCommonInputs([{ inputs: { b: undefined, c: 2 } }, { inputs: { b: undefined, c: 3 } }]);
  assert.deepEqual(none.common, {});
});

test('inputs with the first one\'s keys in another order, or with a key more, are compared by name', () => {
  const { common, decisions } = hoistCommonInputs([
    { inputs: { a: 1, b: 'x', c: null, d: 2 } },
    { inputs: { d: 2, c: null, b: 'x', a: 1 } },
    { inputs: { a: 1, b: 'x', c: null, d: 3, e: 0 } },
    { inputs: { a: 1, b: 'x', c: null, d: 2 } },
  ]);
  assert.deepEqual(common, { a: 1, b: 'x', c: null });
  assert.deepEqual(decisions.map((d) => d.inputs), [{ d: 2 }, { d: 2 }, { d: 3, e: 0 }, { d: 2 }]);
});

test('property: merging the common inputs back gives every decision its inputs exactly', () => {
  const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('buy', 'sell', null, true, false, 0.1, -0));
  fc.assert(fc.property(fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), scalar), { minLength: 1, maxLength: 6 }), (inputsList) => {
    const original = inputsList.map((inputs, i) => ({ id: i, inputs }));
    const { common, decisions } = hoistCommonInputs(original);
    decisions.forEach((d, i) => assert.deepEqual({ ...common, ...d.inputs }, { ...original[i]!.inputs }));
    // As a reader gets them back from the stored run.
    assert.deepEqual(withSharedInputs({ decisionInputs: common }, decisions), original.map((d) => ({ ...d, inputs: { ...d.inputs } })));
  }));
});

test('withSharedInputs: a run without shared inputs, or with no decisions, comes back as stored', () => {
  const decisions = [{ subscriptionId: 's1', inputs: { a: 1 } }];
  assert.equal(withSharedInputs({ signalId: 'sig_1' }, decisions), decisions);
  assert.equal(withSharedInputs(null, decisions), decisions);
  assert.deepEqual(withSharedInputs({ decisionInputs: { a: 0, b: 2 } }, null), []);
  assert.deepEqual(withSharedInputs({ decisionInputs: { a: 0, b: 2 } }, [{ id: 1 }]), [{ id: 1, inputs: { a: 0, b: 2 } }]);
});
