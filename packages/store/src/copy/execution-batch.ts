import type { Queryable, TxQueryable } from '../db';
import { eventPayloads, type KopitraEvent } from './events';
import { isTerminal, type ExecutionReport, type ExecutionStatus } from './executions';
import { findIdempotencyRecords, type StoredResponse } from './idempotency';
import { projectPendingJournal } from './journal';
import { jsonObjectText } from './keyed-rows';

type OrderStatus = 'pending' | 'delivered' | ExecutionStatus;

/** The order lifecycle, one table: a terminal status takes no further report. */
const OPEN: ReadonlySet<OrderStatus> = new Set(['pending', 'delivered', 'partially_filled']);

export interface ExecutionSubmission {
  followerAccountId: string;
  idempotencyKey: string;
  requestHash: string;
  report: ExecutionReport;
  /** When the gateway handed this order to the follower (ISO), if it still holds the stamp. */
  deliveredAt?: string;
  /** What the gateway handed over of this order (its payload's fields), if it still holds them. */
  handed?: HandedOrder;
}

/** An order as its follower received it: what recording its first report needs, besides its copy leg. */
export interface HandedOrder {
  runId: string;
  action: string;
  volume: number | null;
}

export type ExecutionResult =
  | { kind: 'answer'; status: number; body: unknown; replayed: boolean }
  | { kind: 'not_found' }
  | { kind: 'conflict'; current: string }
  | { kind: 'key_reused' };

interface OrderRow {
  id: string;
  run_id: string;
  action: string;
  status: OrderStatus;
  /** The copy leg a close or modify acts on; undefined when not known (an order as handed over). */
  leg_id: string | null | undefined;
  follower_account_id: string;
  volume: number | null;
}

/** An order as LOCK_ORDERS_SQL reads it (a numeric comes as text). */
type LockedOrderRow = Omit<OrderRow, 'volume' | 'leg_id'> & { leg_id: string | null; volume: string | number | null };

const LOCK_ORDERS_SQL = `SELECT id, run_id, action, status, leg_id, follower_account_id, (payload->>'volume')::numeric AS volume
  FROM orders WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** The fields that make two terminal reports "the same content". */
function essence(r: Partial<ExecutionReport>): string {
  return JSON.stringify([r.status, r.volume ?? null, r.price ?? null, r.followerPositionId ?? null, r.brokerCode ?? null]);
}

function round8(n: number): number {
  return Math.round(n * 1e8) / 1e8;
}

/**
 * Execution reports, several at once, in the caller's transaction: the reads for the whole batch
 * in one round trip, the transition table and copy-leg corrections applied in memory (two reports
 * of one order in one batch behave as if sent one after the other), one statement to write it all.
 */
export async function recordExecutions(q: TxQueryable, items: ExecutionSubmission[], receivedAt: string, lookUpEveryKey = false): Promise<{ results: ExecutionResult[]; events: KopitraEvent[] }> {
  // Lock the orders first (in id order): a concurrent repeat waits here, and the row it returns is
  // the latest version (the repeat's status included).
  const ids = [...new Set(items.map((i) => i.report.orderId))].sort();
  let { rows } = await q.query<LockedOrderRow>(LOCK_ORDERS_SQL, [ids]);
  // An order of a fan-out still in the copy journal (handed to its follower when the journal row
  // committed, not yet projected): the journal is projected, and the orders read again — also
  // when nothing was left to project, since a projection may have committed since the first read.
  if (rows.length < ids.length) {
    await projectPendingJournal(q);
    ({ rows } = await q.query<LockedOrderRow>(LOCK_ORDERS_SQL, [ids]));
  }
  const orders = new Map<string, OrderRow>(rows.map((r) => [r.id, { ...r, volume: r.volume === null ? null : Number(r.volume) }]));
  // An order still pending or delivered has had no report: every execution row is written with its
  // report's status (execution-batch's statement is their only writer), so neither its history nor
  // a stored key can exist — the common case, a first report, reads nothing more. A key can only have
  // been stored by a report that was accepted for its order; a key reused for another order fails
  // the insert, and the retry (lookUpEveryKey) looks every key up and refuses it. What is needed is
  // read in one round trip behind the lock.
  const reportedIds = rows.filter((r) => !unreported(r.status)).map((r) => r.id);
  const [stored, history] = await Promise.all([
    findIdempotencyRecords(q, items.filter((i) => lookUpEveryKey || !unreported(orders.get(i.report.orderId)?.status)).map((i) => ({ accountId: i.followerAccountId, key: i.idempotencyKey }))),
    reportedIds.length === 0 ? { rows: [] } : q.query<{ order_id: string; terminal: boolean; status: string; body: ExecutionReport }>(
      `SELECT order_id, terminal, status, body FROM executions WHERE order_id = ANY($1::text[]) AND (terminal OR status = 'partially_filled') ORDER BY id`,
      [reportedIds],
    ),
  ]);
  const terminal = new Map<string, ExecutionReport>();
  const lastPartial = new Map<string, number>();
  for (const e of history.rows) {
    if (e.terminal) terminal.set(e.order_id, e.body);
    else if (e.body.volume != null) lastPartial.set(e.order_id, Number(e.body.volume));
  }
  // Never null here: every order read has its leg (or none).
  const planned = planExecutions(items, orders, stored, terminal, lastPartial, receivedAt)!;
  // Sent with the COMMIT: one round trip, one packet for both.
  if (planned.write) q.sendWithCommit(WRITE_SQL, planned.write);
  return { results: planned.results, events: planned.events };
}

/**
 * First reports of orders this gateway handed over, in one statement that commits by itself: the
 * orders as handed over stand for the locked read — the statement locks them and writes only if
 * every one is still unreported (pending or delivered), and the order's other fields never change.
 * Null when it wrote nothing and the batch takes recordExecutions' transaction: an item without
 * what was handed over, an order reported or expired meanwhile (elsewhere too), a close that gives
 * volume back to a leg not known here. An error (a reused key's unique violation among them) wrote
 * nothing either; the caller takes the transaction then too (GroupCommit's `direct`).
 * For the common report one round trip and one statement, where the transaction takes two round
 * trips and four statements (BEGIN and the lock; the write and COMMIT).
 */
export async function recordHandedExecutions(q: Queryable, items: ExecutionSubmission[], receivedAt: string): Promise<{ results: ExecutionResult[]; events: KopitraEvent[] } | null> {
  const orders = new Map<string, OrderRow>();
  for (const i of items) {
    // A second report of one order in the batch comes without (its stamp was taken by the first).
    if (!i.handed || orders.has(i.report.orderId)) return null;
    orders.set(i.report.orderId, {
      id: i.report.orderId, run_id: i.handed.runId, action: i.handed.action, status: 'delivered', leg_id: undefined, follower_account_id: i.followerAccountId, volume: i.handed.volume,
    });
  }
  const planned = planExecutions(items, orders, new Map(), new Map(), new Map(), receivedAt);
  if (!planned?.write) return null;
  const { rows } = await q.query<{ held: boolean }>(HANDED_WRITE_SQL, [...planned.write, [...orders.keys()].sort()]);
  return rows[0]?.held ? { results: planned.results, events: planned.events } : null;
}

const unreported = (status: OrderStatus | undefined) => status === 'pending' || status === 'delivered';

/**
 * The reports applied in memory to the orders as read (or as handed over), their history and the
 * keys already stored: each item's answer, the events, and the write's parameters (null when
 * nothing is to be written). Null when a close gives volume back to a leg not known (`leg_id`
 * undefined).
 */
function planExecutions(
  items: ExecutionSubmission[], orders: Map<string, OrderRow>, stored: Map<string, StoredResponse>,
  terminal: Map<string, ExecutionReport>, lastPartial: Map<string, number>, receivedAt: string,
): { results: ExecutionResult[]; events: KopitraEvent[]; write: unknown[] | null } | null {
  const executions: unknown[] = [];
  const orderUpdates = new Map<string, { id: string; status: string; finished: boolean; delivered?: string }>();
  const legOps = new Map<string, { set: number | null; fp: string | null; delta: number }>();
  const pendingOff = new Set<string>();
  const idempotency: unknown[] = [];
  const events: KopitraEvent[] = [];
  const results: ExecutionResult[] = [];
  const legOp = (legId: string) => {
    let op = legOps.get(legId);
    if (!op) legOps.set(legId, (op = { set: null, fp: null, delta: 0 }));
    return op;
  };

  for (const item of items) {
    const key = `${item.followerAccountId}\u0000${item.idempotencyKey}`;
    const first = stored.get(key);
    if (first) {
      results.push(first.requestHash === item.requestHash ? { kind: 'answer', status: first.status, body: first.response, replayed: true } : { kind: 'key_reused' });
      continue;
    }
    const r = item.report;
    const order = orders.get(r.orderId);
    if (!order || order.follower_account_id !== item.followerAccountId) {
      results.push({ kind: 'not_found' });
      continue;
    }
    if (!OPEN.has(order.status)) {
      const prev = terminal.get(order.id);
      // Expired by the gateway's clock, but the EA had it in hand and reports what really happened.
      const expiredByUs = order.status === 'expired' && !prev;
      if (prev && essence(prev) === essence(r)) {
        const answer: StoredResponse = { requestHash: item.requestHash, status: 202, response: { accepted: true, orderId: order.id } };
        idempotency.push({ account_id: item.followerAccountId, key: item.idempotencyKey, request_hash: item.requestHash, status: 202, response: answer.response });
        stored.set(key, answer);
        results.push({ kind: 'answer', status: 202, body: answer.response, replayed: false });
        continue;
      }
      if (!expiredByUs) {
        results.push({ kind: 'conflict', current: order.status });
        continue;
      }
    }
    const terminalReport = isTerminal(r.status);
    executions.push({ order_id: order.id, status: r.status, terminal: terminalReport, body: r, received_at: receivedAt });
    order.status = r.status;
    const delivered = orderUpdates.get(order.id)?.delivered ?? item.deliveredAt;
    orderUpdates.set(order.id, { id: order.id, status: r.status, finished: terminalReport, ...(delivered ? { delivered } : {}) });
    if (terminalReport) terminal.set(order.id, r);
    const filled = r.status === 'filled' || r.status === 'partially_filled';
    const reported = r.volume ?? null;
    if (order.action === 'open') {
      const op = legOp(order.id);
      if (filled) {
        if (reported !== null) op.set = reported;
        if (r.followerPositionId) op.fp = r.followerPositionId;
        if (r.status === 'partially_filled' && reported !== null) lastPartial.set(order.id, reported);
      } else {
        op.set = lastPartial.get(order.id) ?? 0; // nothing (more) was opened
      }
    } else if (order.action === 'close' && order.leg_id !== null && order.volume !== null && terminalReport) {
      // The leg was reduced when the close was planned; give back what was not closed.
      const closed = r.status === 'filled' ? (reported ?? order.volume) : 0;
      const giveBack = Math.max(0, round8(order.volume - closed));
      if (giveBack > 0) {
        if (order.leg_id === undefined) return null;
        legOp(order.leg_id).delta = round8(legOp(order.leg_id).delta + giveBack);
      }
    } else if (order.action === 'place' && !filled && terminalReport) {
      pendingOff.add(order.id);
    }
    const answer: StoredResponse = { requestHash: item.requestHash, status: 202, response: { accepted: true, orderId: order.id } };
    idempotency.push({ account_id: item.followerAccountId, key: item.idempotencyKey, request_hash: item.requestHash, status: 202, response: answer.response });
    stored.set(key, answer);
    events.push({ kind: 'execution', orderId: order.id, runId: order.run_id, followerAccountId: item.followerAccountId, status: r.status, at: receivedAt });
    results.push({ kind: 'answer', status: 202, body: answer.response, replayed: false });
  }

  const write = executions.length === 0 && idempotency.length === 0 ? null : [
    JSON.stringify(executions),
    // Keyed by the row's id: the statement updates without joining (see copy-batch.ts).
    jsonObjectText([...orderUpdates.values()].map((u) => [u.id, u] as const)),
    receivedAt,
    jsonObjectText(legOps),
    [...pendingOff],
    JSON.stringify(idempotency),
    JSON.stringify(eventPayloads(events)),
  ];
  return { results, events, write };
}

/**
 * The write ($1 executions, $2 order updates by id, $3 the time received, $4 leg corrections by
 * open order id, $5 pending copies to end, $6 idempotency records, $7 event payloads). `guard`,
 * for recordHandedExecutions: every sub-statement writes only if all the orders in $8 (sorted) are
 * locked still unreported; the answer says whether they were (`held`).
 */
function writeSql(guard: boolean): string {
  const when = guard ? ' AND (SELECT held FROM guard)' : '';
  return `
WITH${guard ? `
guard AS (
  -- locked in id order, like every writer of orders, and the status tested on the version locked: a
  -- row another transaction reported or expired since it was handed over fails the guard. Reached
  -- by id alone: with the status in the WHERE, the plan prepared on a small table walked the open
  -- orders' partial index (\`orders_open_by_follower\`), every open order of every follower.
  SELECT count(*) FILTER (WHERE status IN ('pending', 'delivered')) = cardinality($8::text[]) AS held
    FROM (SELECT id, status FROM orders WHERE id = ANY($8::text[]) ORDER BY id FOR UPDATE) o),` : ''}
ex AS (
  INSERT INTO executions (order_id, status, terminal, body, received_at)
  SELECT order_id, status, terminal, body, received_at
    FROM jsonb_to_recordset($1::jsonb) AS x(order_id text, status text, terminal boolean, body jsonb, received_at timestamptz)
   WHERE true${when}),
ord AS (
  UPDATE orders o SET status = $2::jsonb -> o.id ->> 'status',
         finished_at = CASE WHEN ($2::jsonb -> o.id ->> 'finished')::boolean THEN $3::timestamptz ELSE o.finished_at END,
         -- its delivery time when the gateway still held it, otherwise this report's arrival
         first_delivered_at = COALESCE(o.first_delivered_at, ($2::jsonb -> o.id ->> 'delivered')::timestamptz, $3::timestamptz)
   WHERE o.id = ANY(ARRAY(SELECT jsonb_object_keys($2::jsonb)))${when}),
leg AS (
  UPDATE copy_legs l SET volume = COALESCE(($4::jsonb -> l.open_order_id ->> 'set')::numeric, l.volume) + ($4::jsonb -> l.open_order_id ->> 'delta')::numeric,
         follower_position_id = COALESCE($4::jsonb -> l.open_order_id ->> 'fp', l.follower_position_id)
   WHERE l.open_order_id = ANY(ARRAY(
           -- rows locked in key order, like every writer of copy_legs: no crosswise waits
           SELECT open_order_id FROM copy_legs WHERE open_order_id = ANY(ARRAY(SELECT jsonb_object_keys($4::jsonb)))
            ORDER BY open_order_id FOR UPDATE))${when}),
pen AS (
  UPDATE pending_copies SET active = false WHERE place_order_id = ANY($5::text[])${when}),
idem AS (
  INSERT INTO idempotency_records (account_id, key, request_hash, status, response)
  SELECT account_id, key, request_hash, status, response
    FROM jsonb_to_recordset($6::jsonb) AS x(account_id text, key text, request_hash text, status integer, response jsonb)
   WHERE true${when})
SELECT ${guard ? '(SELECT held FROM guard) AS held, ' : ''}(SELECT count(pg_notify('kopitra_events', e)) FROM jsonb_array_elements_text($7::jsonb) AS e WHERE true${when})::int AS notified`;
}

const WRITE_SQL = writeSql(false);
export const HANDED_WRITE_SQL = writeSql(true);
