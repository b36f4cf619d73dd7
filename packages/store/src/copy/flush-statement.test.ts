import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flushStatement } from './flush-statement';

const none = { run: [], ord: [], leg: [], leg_change: {}, pen: [], pen_change: {}, idem: [], seq: {}, notify: [] };

describe('the copy batch statement', () => {
  test('holds only the parts with rows, their parameters numbered in order', () => {
    const { text, params } = flushStatement({ ...none, run: [{ id: 'r1' }], seq: { acc_1: { sequence: 1, gap: false } }, notify: [{ channel: 'c', payload: 'p' }] });
    assert.deepEqual(params, ['[{"id":"r1"}]', '{"acc_1":{"sequence":1,"gap":false}}', '[{"channel":"c","payload":"p"}]']);
    assert.match(text, /run AS \([\s\S]*json_to_recordset\(\$1::json\)/);
    assert.match(text, /seq AS \([\s\S]*\$2::jsonb -> s\.account_id/);
    assert.match(text, /pg_notify[\s\S]*jsonb_to_recordset\(\$3::jsonb\)/);
    for (const absent of ['ord', 'leg', 'leg_change', 'pen', 'pen_change', 'idem']) {
      assert.doesNotMatch(text, new RegExp(`\\b${absent} AS \\(`), `${absent} has no rows`);
    }
    assert.doesNotMatch(text, /\$4/);
  });

  test('one text per combination of parts (one prepared statement each)', () => {
    const a = flushStatement({ ...none, ord: [{ p: {} }], leg_change: { leg_1: -0.5 } });
    const b = flushStatement({ ...none, ord: [{ p: { other: 1 } }], leg_change: { leg_2: -1 } });
    assert.equal(a.text, b.text);
    assert.notDeepEqual(a.params, b.params);
    assert.notEqual(flushStatement({ ...none, ord: [{ p: {} }] }).text, a.text);
  });

  test('without notifications the statement still answers one row', () => {
    const { text, params } = flushStatement({ ...none, idem: [{ key: 'k' }] });
    assert.equal(params.length, 1);
    assert.match(text, /^\s*WITH\s+idem AS \(/);
    assert.match(text, /SELECT 0 AS notified$/);
  });
});
