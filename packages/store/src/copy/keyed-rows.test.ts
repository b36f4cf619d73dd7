// Rows keyed by id written as one JSON object's text: the object JSON.stringify would give, on both
// backends the same jsonb.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { jsonObjectText, KeyedRows, partText } from './keyed-rows';

const PAIRS: Array<readonly [string, unknown]> = [
  ['ord_AbC-_123', { id: 'ord_AbC-_123', status: 'filled', finished: true, delivered: '2026-11-26T23:00:00.000Z' }],
  ['leg "quoted" \\ \u2028', { set: 0.07, fp: null, delta: -0.01 }],
  ['sub_1|MO-7', { sub: 'sub_1', mo: 'MO-7', price: 1.0851, active: false }],
  ['gone', undefined],
  ['acc_x', 42],
];

describe('jsonObjectText', () => {
  test('the text JSON.stringify gives for the object of the pairs, a value JSON leaves out left out', () => {
    assert.equal(jsonObjectText(PAIRS), JSON.stringify(Object.fromEntries(PAIRS)));
    assert.equal(jsonObjectText([]), '{}');
    assert.equal(jsonObjectText(new Map<string, unknown>([['a', 1], ['b', [1, 2]]])), '{"a":1,"b":[1,2]}');
  });

  test('KeyedRows: its size, and its text as a part', () => {
    const rows = new KeyedRows(new Map(PAIRS));
    assert.equal(rows.size, PAIRS.length);
    assert.equal(partText(rows), JSON.stringify(Object.fromEntries(PAIRS)));
    assert.equal(partText([{ a: 1 }]), '[{"a":1}]');
  });
});

for (const backend of testBackends()) {
  describe(`keyed rows read back by key on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await backend.open()));
    after(async () => drop());

    test('the same jsonb as the object, a later pair of one key winning', async () => {
      const pairs: Array<readonly [string, unknown]> = [...PAIRS, ['acc_x', 43]];
      const { rows } = await db.query<{ same: boolean; x: number }>('SELECT $1::jsonb = $2::jsonb AS same, ($1::jsonb ->> \'acc_x\')::int AS x',
        [jsonObjectText(pairs), JSON.stringify(Object.fromEntries(pairs))]);
      assert.deepEqual(rows[0], { same: true, x: 43 });
    });
  });
}
