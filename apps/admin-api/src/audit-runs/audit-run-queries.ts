import { KopitraError } from '@kopitra/protocol';
import { withSharedInputs, type Queryable } from '../store';

export interface RunFilter {
  kind?: string | undefined;
  accountId?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

type RunKind = 'signal' | 'task' | 'reconcile' | 'stop_out';
type RunStatus = 'running' | 'succeeded' | 'partially_succeeded' | 'failed';

interface RunRow {
  id: string; kind: RunKind; status: RunStatus; account_id: string | null; started_at: Date | string; finished_at: Date | string | null;
  summary: string; trigger: Record<string, unknown> | null; steps: unknown[]; decisions: unknown[]; result: unknown; latency: Record<string, number | null>;
}

const iso = (v: Date | string | null | undefined): string | null => (v === null || v === undefined ? null : new Date(v).toISOString());

function taskIdOf(r: Pick<RunRow, 'kind' | 'trigger'>): string | undefined {
  const t = r.trigger?.taskId;
  return r.kind === 'task' && typeof t === 'string' ? t : undefined;
}

function summaryOf(r: RunRow) {
  const taskId = taskIdOf(r);
  return {
    runId: r.id, kind: r.kind, status: r.status, startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at),
    accountId: r.account_id, summary: r.summary, ...(taskId ? { taskId } : {}),
  };
}

/** Cursor = the last item's (startedAt, runId): runs are listed newest first, ties by id. */
function decodeRunCursor(cursor: string | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return { at: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new KopitraError('invalid_payload', 'cursor: not a cursor from this API', { extra: { field: 'cursor' } });
}

function timeParam(name: 'from' | 'to', v: string | undefined): string | null {
  if (v === undefined) return null;
  if (Number.isNaN(Date.parse(v))) throw new KopitraError('invalid_payload', `${name}: expected an RFC 3339 timestamp`, { extra: { field: name } });
  return new Date(v).toISOString();
}

export async function listAuditRuns(q: Queryable, f: RunFilter) {
  const after = decodeRunCursor(f.cursor);
  const { rows } = await q.query<RunRow>(
    `SELECT id, kind, status, account_id, started_at, finished_at, summary, trigger
       FROM audit_runs
      WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR account_id = $2) AND ($3::text IS NULL OR status = $3)
        AND ($4::timestamptz IS NULL OR started_at >= $4) AND ($5::timestamptz IS NULL OR started_at < $5)
        AND ($6::timestamptz IS NULL OR (started_at, id) < ($6::timestamptz, $7::text))
      ORDER BY started_at DESC, id DESC LIMIT $8`,
    [f.kind ?? null, f.accountId ?? null, f.status ?? null, timeParam('from', f.from), timeParam('to', f.to), after?.at ?? null, after?.id ?? null, f.limit + 1],
  );
  const more = rows.length > f.limit;
  const kept = more ? rows.slice(0, f.limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(summaryOf),
    nextCursor: more && last ? Buffer.from(JSON.stringify([iso(last.started_at), last.id])).toString('base64url') : null,
  };
}

interface OrderRow {
  id: string; follower_account_id: string; subscription_id: string; action: string; payload: Record<string, unknown>; status: string;
  created_at: Date | string; first_delivered_at: Date | string | null; finished_at: Date | string | null;
}
interface ExecRow { order_id: string; status: string; body: Record<string, unknown>; received_at: Date | string; terminal: boolean }

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const round = (n: number, places = 8): number => Math.round(n * 10 ** places) / 10 ** places;

/** The master's price an order copies: the signal's position/order price (opens, places, closes). */
function masterPriceOf(trigger: Record<string, unknown> | null): number | null {
  const signal = (trigger?.signal ?? null) as { position?: { price?: unknown }; order?: { price?: unknown } } | null;
  return num(signal?.position?.price) ?? num(signal?.order?.price);
}

/**
 * Slippage of a fill against the master's price, in price units, positive when worse for the
 * follower: paying more on a buy, receiving less on a sell. A close sells what a buy opened.
 */
export function slippageOf(side: string | null, action: string, fill: number | null, master: number | null): number | null {
  if (fill === null || master === null || (side !== 'buy' && side !== 'sell')) return null;
  const buying = action === 'close' ? side === 'sell' : side === 'buy';
  return round(buying ? fill - master : master - fill);
}

/** A follower order's payload back in the engine's planned-order shape. */
function plannedOrderOf(p: Record<string, unknown>): Record<string, unknown> {
  return {
    action: p.action, symbol: p.symbol, side: p.side ?? null, kind: p.kind ?? null, volume: p.volume ?? null, price: p.price ?? null,
    maxDeviation: p.maxDeviation ?? null, sl: p.sl ?? null, tp: p.tp ?? null, expiresAt: p.orderExpiresAt ?? null,
    masterPositionId: p.masterPositionId ?? null, masterOrderId: p.masterOrderId ?? null, followerPositionId: p.followerPositionId ?? null, updates: p.updates ?? null,
  };
}

/** One run with everything it caused: its orders with delivery times, their executions, latency by stage. */
export async function loadAuditRun(q: Queryable, runId: string) {
  const { rows } = await q.query<RunRow>('SELECT * FROM audit_runs WHERE id = $1', [runId]);
  const run = rows[0];
  if (!run) throw new KopitraError('not_found', `no audit run ${runId}`);
  const [orders, execs] = await Promise.all([
    q.query<OrderRow>(
      `SELECT id, follower_account_id, subscription_id, action, payload, status, created_at, first_delivered_at, finished_at
         FROM orders WHERE run_id = $1 ORDER BY seq`, [runId]),
    q.query<ExecRow>(
      `SELECT e.order_id, e.status, e.body, e.received_at, e.terminal
         FROM executions e JOIN orders o ON o.id = e.order_id WHERE o.run_id = $1 ORDER BY e.id`, [runId]),
  ]);
  const started = new Date(run.started_at).getTime();
  const masterPrice = masterPriceOf(run.trigger);
  const orderById = new Map(orders.rows.map((o) => [o.id, o]));

  const orderViews = orders.rows.map((o) => ({
    orderId: o.id, followerAccountId: o.follower_account_id, subscriptionId: o.subscription_id, action: o.action,
    symbol: str(o.payload.symbol), side: str(o.payload.side), volume: num(o.payload.volume), status: o.status,
    createdAt: iso(o.created_at)!, deliveredAt: iso(o.first_delivered_at), finishedAt: iso(o.finished_at),
  }));
  const executionViews = execs.rows.map((e) => {
    const o = orderById.get(e.order_id);
    const price = num(e.body.price);
    const filled = e.status === 'filled' || e.status === 'partially_filled';
    return {
      orderId: e.order_id, status: e.status, price, volume: num(e.body.volume),
      executedAt: str(e.body.executedAt), receivedAt: iso(e.received_at)!, brokerCode: str(e.body.brokerCode),
      slippage: filled && o ? slippageOf(str(o.payload.side), o.action, price, masterPrice) : null,
    };
  });
  const delivered = orders.rows.flatMap((o) => (o.first_delivered_at ? [new Date(o.first_delivered_at).getTime()] : []));
  const terminal = execs.rows.filter((e) => e.terminal).map((e) => new Date(e.received_at).getTime());
  const decisions = withSharedInputs(run.trigger, run.decisions).map((d) => ({
    subscriptionId: String(d.subscriptionId ?? ''), followerAccountId: String(d.followerAccountId ?? ''), outcome: String(d.outcome ?? ''),
    reason: str(d.reason), volume: num(d.volume), notes: Array.isArray(d.notes) ? d.notes.map(String) : [],
    inputs: (d.inputs ?? {}) as Record<string, unknown>,
    // Signal runs store only the ids (the planned orders are the `orders` rows' payloads); task
    // runs and older signal runs carry the planned orders themselves.
    orders: Array.isArray(d.orders) ? d.orders : Array.isArray(d.orderIds) ? d.orderIds.flatMap((id) => {
      const o = orderById.get(String(id));
      return o ? [plannedOrderOf(o.payload)] : [];
    }) : [],
    orderIds: Array.isArray(d.orderIds) ? d.orderIds.map(String) : [],
  }));
  const trigger = (run.trigger ?? {}) as Record<string, unknown>;
  const result = run.result as Record<string, unknown> | null;
  return {
    ...summaryOf(run),
    trigger,
    steps: (run.steps as Array<Record<string, unknown>>).map((s) => ({ at: String(s.at ?? ''), stage: String(s.stage ?? ''), outcome: String(s.outcome ?? ''), detail: s.detail ?? null })),
    decisions,
    orders: orderViews,
    executions: executionViews,
    latencyMs: {
      ingest: num(run.latency.ingest),
      plan: num(run.latency.plan),
      firstDelivery: delivered.length ? Math.max(0, Math.min(...delivered) - started) : null,
      lastExecution: terminal.length ? Math.max(0, Math.max(...terminal) - started) : null,
    },
    result: result ?? null,
    progress: (result && typeof result === 'object' && 'progress' in result ? result.progress : null) ?? (trigger.progress ?? null),
  };
}
