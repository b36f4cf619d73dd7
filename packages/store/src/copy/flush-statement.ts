/**
 * The copy path's one write statement, built from the parts that have rows (see CopyBatch).
 */
// Data-modifying CTEs run once each, to completion, whether or not the main query reads them.
// They do not see each other's rows, which is why legs and pending copies created in this batch
// are inserted with their final state instead of being updated afterwards.
//
// Rows are updated without joins: the keys come from a JSON object (`jsonb_object_keys`), the
// table is reached by `key = ANY(ARRAY(...))` (an index scan bounded by the batch, whatever the
// table's size or the plan cached when it was small), and each row's values are looked up in the
// object by its key. A join with the parameter planned a whole-table scan on a fresh table, and
// `= ANY` added to the join made a nested loop compare every row with every key (measured: 466 ms
// for 1,000 rows).
//
// Only the parts with rows are in the statement: a signal with one follower order touches no
// pending copies, and each empty part still cost PostgreSQL a scan of its parameter and a
// modifying node (measured with the bench's single-signal transactions: see docs/performance.md,
// session 6). Each combination is its own text, so its own prepared statement.
import { KeyedRows, partText } from './keyed-rows';

export const FLUSH_PARTS = {
  // The runs' JSON columns are `json` (migration 070): each value is taken from the text as written.
  run: (p: string) => `
  INSERT INTO audit_runs (id, kind, status, account_id, started_at, finished_at, trigger, steps, decisions, result, latency, summary)
  SELECT id, kind, status, account_id, started_at, finished_at, trigger, steps, decisions, result, latency, summary
    FROM json_to_recordset(${p}::json) AS x(id text, kind text, status text, account_id text, started_at timestamptz,
         finished_at timestamptz, trigger json, steps json, decisions json, result json, latency json, summary text)`,
  // `shared`: payload values every row has (a copy-journal row writes them once): merged into each,
  // once per row — OFFSET 0 keeps the planner from copying the merge into each of p's eleven uses
  // (measured: a 1,000-order projection 50 → 68 ms without it, 36-41 with it).
  ord: (p: string, shared?: string) => `
  INSERT INTO orders (id, run_id, signal_id, subscription_id, follower_account_id, action, master_position_id,
                      master_order_id, leg_id, tag, payload, created_at, expires_at)
  SELECT p->>'orderId', p->>'runId', x->>'s', p->>'subscriptionId', x->>'f', p->>'action', p->>'masterPositionId',
         p->>'masterOrderId', x->>'l', p->>'tag', p, (p->>'createdAt')::timestamptz, (p->>'expiresAt')::timestamptz
    FROM jsonb_array_elements(${p}::jsonb) WITH ORDINALITY AS e(x, ord), LATERAL (SELECT ${shared === undefined ? `x->'p' AS p` : `${shared} || (x->'p') AS p OFFSET 0`}) AS pl
  ORDER BY ord -- seq follows the planned order: a follower executes them oldest first
  ON CONFLICT (id) DO NOTHING`,
  leg: (p: string) => `
  INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at)
  SELECT open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at
    FROM jsonb_to_recordset(${p}::jsonb) AS x(open_order_id text, subscription_id text, master_position_id text,
         follower_symbol text, side text, volume numeric, opened_at timestamptz)
  ON CONFLICT (open_order_id) DO NOTHING`,
  leg_change: (p: string) => `
  UPDATE copy_legs l SET volume = GREATEST(l.volume + (${p}::jsonb ->> l.open_order_id)::numeric, 0)
   WHERE l.open_order_id = ANY(ARRAY(
           -- rows locked in key order, like every writer of copy_legs: no crosswise waits
           SELECT open_order_id FROM copy_legs WHERE open_order_id = ANY(ARRAY(SELECT jsonb_object_keys(${p}::jsonb)))
            ORDER BY open_order_id FOR UPDATE))`,
  pen: (p: string) => `
  INSERT INTO pending_copies (subscription_id, master_order_id, place_order_id, follower_symbol, kind, volume, price, active)
  SELECT subscription_id, master_order_id, place_order_id, follower_symbol, kind, volume, price, active
    FROM jsonb_to_recordset(${p}::jsonb) AS x(subscription_id text, master_order_id text, place_order_id text,
         follower_symbol text, kind text, volume numeric, price double precision, active boolean)
  ON CONFLICT (subscription_id, master_order_id) DO UPDATE
    SET place_order_id = EXCLUDED.place_order_id, follower_symbol = EXCLUDED.follower_symbol, kind = EXCLUDED.kind,
        volume = EXCLUDED.volume, price = EXCLUDED.price, active = EXCLUDED.active`,
  pen_change: (p: string) => `
  UPDATE pending_copies p
     SET price = COALESCE((${p}::jsonb -> (p.subscription_id || '|' || p.master_order_id) ->> 'price')::double precision, p.price),
         active = p.active AND (${p}::jsonb -> (p.subscription_id || '|' || p.master_order_id) ->> 'active')::boolean
   WHERE p.subscription_id = ANY(ARRAY(SELECT v ->> 'sub' FROM jsonb_each(${p}::jsonb) AS e(k, v)))
     AND p.master_order_id = ANY(ARRAY(SELECT v ->> 'mo' FROM jsonb_each(${p}::jsonb) AS e(k, v)))
     AND ${p}::jsonb ? (p.subscription_id || '|' || p.master_order_id)`,
  idem: (p: string) => `
  INSERT INTO idempotency_records (account_id, key, request_hash, status, response)
  SELECT account_id, key, request_hash, status, response
    FROM jsonb_to_recordset(${p}::jsonb) AS x(account_id text, key text, request_hash text, status integer, response jsonb)`,
  seq: (p: string) => `
  UPDATE account_state s SET last_sequence = (${p}::jsonb -> s.account_id ->> 'sequence')::bigint,
         resync_pending = s.resync_pending OR (${p}::jsonb -> s.account_id ->> 'gap')::boolean
   WHERE s.account_id = ANY(ARRAY(SELECT jsonb_object_keys(${p}::jsonb)))`,
  // The statement's result: the notifications, sent at commit.
  notify: (p: string) => `
SELECT count(pg_notify(n.channel, n.payload))::int AS notified
  FROM jsonb_to_recordset(${p}::jsonb) AS n(channel text, payload text)`,
} as const;

export type FlushPart = keyof typeof FLUSH_PARTS;
export const PART_NAMES = Object.keys(FLUSH_PARTS) as FlushPart[];
/** The type each part casts its parameter to (`json` or `jsonb`), read from its text. */
const PART_TYPES = Object.fromEntries(PART_NAMES.map((n) => {
  const types = new Set([...FLUSH_PARTS[n]('$0').matchAll(/\$0::(jsonb?)\b/g)].map((m) => m[1]!));
  if (types.size !== 1) throw new Error(`flush part ${n} must cast its parameter to one type`);
  return [n, [...types][0]!];
})) as Record<FlushPart, string>;
export const NO_ROWS = Object.fromEntries(PART_NAMES.map((n) => [n, []])) as unknown as Record<FlushPart, unknown[]>;
const flushTexts = new Map<string, string>();

/** A part's rows: an array, rows keyed by id, or an object (its keys the rows'). */
export type PartRows = unknown[] | KeyedRows | Record<string, unknown>;

export function hasRows(rows: PartRows): boolean {
  if (Array.isArray(rows)) return rows.length > 0;
  if (rows instanceof KeyedRows) return rows.size > 0;
  for (const _ in rows) return true;
  return false;
}

/**
 * A condition the statement writes under (see flushStatement): `cte(n)` is the text of a CTE named
 * `guard` with one boolean column `held`, its parameters numbered from $n; `params` are theirs.
 * `name` tells guards apart (each statement text is prepared once).
 */
export interface FlushGuard {
  name: string;
  cte(firstParam: number): string;
  params: unknown[];
}

/**
 * The statement for the parts that have rows, and its parameters (one JSON text per part).
 *
 * With a guard, it writes only if the guard holds: every part reads its rows from its parameter
 * through `CASE WHEN held`, so a guard that fails leaves every part without rows — nothing is
 * written, nothing notified. Its result then says whether it held and the transaction's id (a row
 * it wrote has that `xmin`).
 */
export function flushStatement(parts: Record<FlushPart, PartRows>, guard?: FlushGuard): { text: string; params: unknown[] } {
  let mask = 0;
  const params: unknown[] = [];
  PART_NAMES.forEach((name, i) => {
    if (!hasRows(parts[name])) return;
    mask |= 1 << i;
    params.push(partText(parts[name]));
  });
  const key = guard ? `${mask}/${guard.name}` : String(mask);
  let text = flushTexts.get(key);
  if (text === undefined) {
    const present = PART_NAMES.filter((_, i) => mask & (1 << i));
    // Gated, a part's parameter is taken once, already of the type its part casts it to: as text,
    // each use's cast would parse it again (measured: the sequences' update parsed its JSON for
    // every row — 9 ms of a 57-signal batch's 18).
    const param = (n: FlushPart) => (guard ? `(SELECT CASE WHEN held THEN $${present.indexOf(n) + 1}::${PART_TYPES[n]} END FROM guard)` : `$${present.indexOf(n) + 1}`);
    const ctes = present.filter((n) => n !== 'notify').map((n) => `${n} AS (${FLUSH_PARTS[n](param(n))})`);
    if (guard) ctes.unshift(guard.cte(present.length + 1));
    const notified = present.includes('notify') ? FLUSH_PARTS.notify(param('notify')) : '\nSELECT 0 AS notified';
    const result = guard ? `\nSELECT (SELECT held FROM guard) AS held, pg_current_xact_id()::xid::text AS xid, (${notified}) AS notified` : notified;
    text = `${ctes.length > 0 ? `\nWITH\n${ctes.join(',\n')}` : ''}${result}`;
    flushTexts.set(key, text);
  }
  return { text, params: guard ? [...params, ...guard.params] : params };
}
