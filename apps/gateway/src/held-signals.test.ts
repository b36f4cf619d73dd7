// A signal whose plan reads only what this gateway holds — the master as its last batch left it,
// the master's subscriptions as last read, no copy state — is written by one statement that
// commits by itself (ingestHeldSignals), not a transaction that reads everything first. It must
// write what the transaction writes, and whenever something it was planned from changed — the
// master's telemetry, a subscription, the sequence, a copy leg — the transaction plans it instead.
// Real databases, the gateway in-process; its database's transactions counted, nothing replaced.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { journalInsert, NO_ROWS, type Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { eaRequest, openedSignal, snapshotBody, type TestCredential } from './testing/fixtures';
import { startInProcessGateway, type InProcessGateway } from './testing/in-process';

interface Accepted { signalId: string; runId: string; sequence: number; orders: number; gap: boolean }

for (const backend of testBackends()) {
  describe(`signals planned from what the gateway holds on ${backend.name}`, () => {
    let g: InProcessGateway;
    let db: Db;
    let app: FastifyInstance;
    let master: TestCredential;
    let follower: TestCredential;
    let subscriptionId: string;
    let sequence = 0;
    let transactions = 0;

    before(async () => {
      g = await startInProcessGateway(backend, {}, (d) => ({ ...d, tx: (fn) => { transactions++; return d.tx(fn); } }));
      ({ db, app, master, follower, subscriptionId } = g);
      // Sized by the balances: a plan from a stale master balance shows in the follower's volume.
      await db.query(`UPDATE subscriptions SET settings = settings || '{"sizing":{"mode":"balance_ratio","multiplier":1}}' WHERE id = $1`, [subscriptionId]);
      for (const who of [master, follower]) assert.equal((await eaRequest(app, who, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ balance: 10_000 }))).statusCode, 202);
    });
    after(async () => g.close());

    /** A signal, its answer and how many transactions it took. */
    async function send(body: Record<string, unknown>, key = `sig-${String(body.sequence)}`): Promise<{ tx: number; status: number; body: Record<string, unknown>; code?: string }> {
      const from = transactions;
      const r = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', body, { idempotencyKey: key });
      const answer = r.json() as Record<string, unknown> & { error?: { code: string } };
      return { tx: transactions - from, status: r.statusCode, body: answer, ...(answer.error ? { code: answer.error.code } : {}) };
    }
    const open = (p: Parameters<typeof openedSignal>[1] = {}) => send(openedSignal(++sequence, p));
    /** The follower's order for a run: what it was told to do. */
    async function orderOf(runId: string): Promise<{ action: string; volume: number; symbol: string; side: string }> {
      const { rows } = await db.query<{ payload: Record<string, unknown> }>('SELECT payload FROM orders WHERE run_id = $1', [runId]);
      assert.equal(rows.length, 1);
      const p = rows[0]!.payload;
      return { action: String(p.action), volume: Number(p.volume), symbol: String(p.symbol), side: String(p.side) };
    }
    /** Everything a signal wrote, without its ids and times (two signals' rows compared). */
    async function written(a: Accepted, positionId: string): Promise<unknown> {
      const run = await db.query('SELECT kind, status, account_id, trigger, steps, decisions, result, summary FROM audit_runs WHERE id = $1', [a.runId]);
      const orders = await db.query('SELECT signal_id, subscription_id, follower_account_id, action, master_position_id, leg_id, tag, payload, status FROM orders WHERE run_id = $1', [a.runId]);
      const legs = await db.query('SELECT l.subscription_id, l.master_position_id, l.follower_symbol, l.side, l.volume::float8 AS volume FROM copy_legs l JOIN orders o ON o.id = l.open_order_id WHERE o.run_id = $1', [a.runId]);
      const key = await db.query('SELECT status, response FROM idempotency_records WHERE account_id = $1 AND key = $2', [master.accountId, `sig-${a.sequence}`]);
      const ids = (orders.rows as Array<{ payload: { orderId: string } }>).map((o) => o.payload.orderId);
      let text = JSON.stringify({ run: run.rows, orders: orders.rows, legs: legs.rows, key: key.rows });
      for (const [v, name] of [[a.runId, '<run>'], [a.signalId, '<signal>'], [positionId, '<position>'], ...ids.map((id) => [id, '<order>'])] as const) text = text.replaceAll(v, name);
      return JSON.parse(text.replace(/"(sequence)":\d+/g, '"$1":0').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>').replace(/"(planMs|ingest|plan)":[\d.]+/g, '"$1":0')
        .replace(/"kp:[^"]+"/g, '"<tag>"').replace(/"signalAgeMs":\d+/g, '"signalAgeMs":0'));
    }
    const lastSequence = async () => Number((await db.query<{ s: string }>('SELECT last_sequence AS s FROM account_state WHERE account_id = $1', [master.accountId])).rows[0]!.s);

    test('the first signal of a master takes the transaction; the next is one statement and writes what the transaction wrote', async () => {
      const first = await open({ id: 'A1' });
      assert.deepEqual([first.status, first.tx], [202, 1], JSON.stringify(first.body));
      const next = await open({ id: 'A2' });
      assert.deepEqual([next.status, next.tx], [202, 0], JSON.stringify(next.body));
      assert.deepEqual(next.body, { signalId: next.body.signalId, runId: next.body.runId, sequence, orders: 1, gap: false });
      assert.deepEqual(await written(next.body as unknown as Accepted, 'A2'), await written(first.body as unknown as Accepted, 'A1'));
      assert.equal(await lastSequence(), sequence);
      // The follower's long-poll has both, in order.
      const polled = (await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders')).json() as { orders: Array<{ masterPositionId: string }> };
      assert.deepEqual(polled.orders.map((o) => o.masterPositionId), ['A1', 'A2']);
    });

    test("the master's telemetry since: the next signal is planned in a transaction, from the new balance", async () => {
      assert.equal((await eaRequest(app, master, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ balance: 20_000 }))).statusCode, 202);
      const after = await open();
      assert.equal(after.tx, 1);
      assert.equal((await orderOf(String(after.body.runId))).volume, 0.5);
      const again = await open();
      assert.equal(again.tx, 0);
      assert.equal((await orderOf(String(again.body.runId))).volume, 0.5);
    });

    test('a subscription changed by another writer: planned in a transaction, with the new settings', async () => {
      await db.query(`UPDATE subscriptions SET settings = settings || '{"sizing":{"mode":"balance_ratio","multiplier":2}}' WHERE id = $1`, [subscriptionId]);
      const changed = await open();
      assert.equal(changed.tx, 1);
      assert.equal((await orderOf(String(changed.body.runId))).volume, 1);
      assert.equal((await open()).tx, 0);
    });

    test('the sequence advanced elsewhere (another gateway): the transaction refuses the signal, nothing is written', async () => {
      await db.query('UPDATE account_state SET last_sequence = last_sequence + 1 WHERE account_id = $1', [master.accountId]);
      const stale = await open();
      assert.deepEqual([stale.status, stale.code, stale.tx], [409, 'sequence_conflict', 1]);
      assert.equal(await lastSequence(), sequence);
      const { rows } = await db.query('SELECT 1 FROM idempotency_records WHERE account_id = $1 AND key = $2', [master.accountId, `sig-${sequence}`]);
      assert.equal(rows.length, 0);
      // The transaction read the master again: the next one is one statement.
      assert.deepEqual([(await open()).tx, await lastSequence()], [0, sequence]);
    });

    test("a copy-journal row of the master awaiting projection: the transaction projects it first", async () => {
      const { text, params } = journalInsert('jnl_held_test', [master.accountId], { ...NO_ROWS });
      await db.query(text, params);
      const behind = await open();
      assert.deepEqual([behind.status, behind.tx], [202, 1]);
      assert.equal((await db.query('SELECT 1 FROM copy_journal')).rows.length, 0);
      assert.equal((await open()).tx, 0);
    });

    test("a new pending order is one statement; its fill links to the pending copy, in a transaction", async () => {
      const placed = await send({ sequence: ++sequence, type: 'order.placed', occurredAt: new Date().toISOString(), order: { id: 'O1', symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.08 } });
      assert.deepEqual([placed.status, placed.tx, placed.body.orders], [202, 0, 1]);
      const filled = await send({ ...openedSignal(++sequence, { id: 'P-O1' }), position: { ...openedSignal(0, { id: 'P-O1' }).position, orderId: 'O1' } });
      assert.deepEqual([filled.status, filled.tx, filled.body.orders], [202, 1, 0]);
      const { rows } = await db.query<{ notes: string[] }>(`SELECT d->'notes' AS notes FROM audit_runs, json_array_elements(decisions) AS d WHERE id = $1`, [filled.body.runId]);
      assert.deepEqual(rows.map((r) => r.notes), [['linked_to_pending_copy']]);
    });

    test('a repeat, a reused key, a close and an open of a position already copied take the transaction, with their answers', async () => {
      const body = openedSignal(++sequence, { id: 'B1' });
      const first = await send(body);
      assert.equal(first.tx, 0);
      // The same request again: replayed.
      const repeat = await send(body);
      assert.deepEqual([repeat.status, repeat.tx, repeat.body], [202, 1, first.body]);
      // Its key for a new sequence: the statement fails on the key, the transaction refuses it.
      const reused = await send(openedSignal(sequence + 1, { id: 'B2' }), `sig-${sequence}`);
      assert.deepEqual([reused.status, reused.code], [409, 'idempotency_key_reused']);
      assert.equal(await lastSequence(), sequence);
      // An open of a master position the follower holds a copy of: the copy state is read.
      const twice = await open({ id: 'B1' });
      assert.deepEqual([twice.status, twice.tx], [202, 1]);
      const viaTx = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM copy_legs l JOIN orders o ON o.id = l.open_order_id WHERE o.follower_account_id = $1 AND l.master_position_id = 'B1'`, [follower.accountId]);
      assert.equal(viaTx.rows[0]!.n, 1 + Number(twice.body.orders));
      // A close: its copy legs are read in the transaction.
      const close = await send({ sequence: ++sequence, type: 'position.closed', occurredAt: new Date().toISOString(), position: { id: 'A1', volume: 1, price: 1.086, volumeAfter: 0 } });
      assert.deepEqual([close.status, close.tx, close.body.orders], [202, 1, 1]);
      assert.equal((await orderOf(String(close.body.runId))).action, 'close');
    });
  });
}
