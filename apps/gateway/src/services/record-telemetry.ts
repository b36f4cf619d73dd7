import { createHash } from 'node:crypto';
import { planStopOut, reconcile, type SnapshotPosition } from '@kopitra/engine';
import type { SnapshotTelemetry, TelemetryBody } from '@kopitra/protocol';
import {
  clearResyncPending, insertAuditRun, loadFollowerContexts, loadSnapshot, notifyFollowers, publishEvent, recordHeartbeat, recordSnapshot,
  writeOrders, type Queryable,
} from '@kopitra/store';

export interface TelemetryResult {
  status: 202;
  body: { accepted: true };
  extra: { followerAccountIds: string[] };
}

function toSnapshotPositions(list: SnapshotTelemetry['positions'] | null | undefined): SnapshotPosition[] {
  return (list ?? []).map((p) => ({ id: p.id, symbol: p.symbol, side: p.side, volume: p.volume, price: p.price, sl: p.sl ?? null, tp: p.tp ?? null, ...(p.comment !== undefined ? { comment: p.comment } : {}) }));
}

function runIdFor(kind: string, accountId: string, at: string): string {
  return `run_${createHash('sha256').update(`${kind}\u0000${accountId}\u0000${at}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Heartbeats feed connectivity; snapshots feed sizing, the daily-loss start, the stop-out guard
 * (a follower below `stopOutEquity` has its copies closed and the subscription paused) and the
 * reconciliation that follows a sequence gap on the master.
 */
export async function recordTelemetry(q: Queryable, accountId: string, role: 'master' | 'follower', body: TelemetryBody, nowMs: number): Promise<TelemetryResult> {
  const followerAccountIds: string[] = [];
  if (body.kind === 'heartbeat') {
    await recordHeartbeat(q, accountId, new Date(nowMs).toISOString(), body.terminal);
    await publishEvent(q, { kind: 'ea', accountId, telemetry: 'heartbeat', at: new Date(nowMs).toISOString() });
    return { status: 202, body: { accepted: true }, extra: { followerAccountIds } };
  }
  const at = new Date(nowMs).toISOString();
  const { resyncPending } = await recordSnapshot(q, {
    accountId, at, balance: body.account.balance, equity: body.account.equity,
    currency: body.account.currency ?? null, leverage: body.account.leverage ?? null,
    positions: body.positions, orders: body.orders ?? null, symbols: body.symbols ?? null,
  });
  if (role === 'follower') await checkStopOut(q, accountId, nowMs, followerAccountIds);
  if (role === 'master' && resyncPending) await resyncAfterGap(q, accountId, toSnapshotPositions(body.positions), nowMs, followerAccountIds);
  await notifyFollowers(q, followerAccountIds);
  await publishEvent(q, { kind: 'ea', accountId, telemetry: 'snapshot', at });
  return { status: 202, body: { accepted: true }, extra: { followerAccountIds } };
}

async function checkStopOut(q: Queryable, followerAccountId: string, nowMs: number, woken: string[]): Promise<void> {
  const { rows } = await q.query<{ id: string; master_account_id: string }>(
    `SELECT id, master_account_id FROM subscriptions
      WHERE follower_account_id = $1 AND deleted_at IS NULL AND status = 'active' AND (settings->>'stopOutEquity') IS NOT NULL`,
    [followerAccountId],
  );
  for (const sub of rows) {
    const [ctx] = await loadFollowerContexts(q, sub.master_account_id, sub.id);
    if (!ctx) continue;
    const decision = planStopOut({ ctx });
    if (decision.reason !== 'stop_out') continue;
    const at = new Date(nowMs).toISOString();
    const runId = runIdFor('stop_out', sub.id, at);
    const written = await writeOrders(q, { sourceId: runId, runId, signalId: null, nowMs, items: [{ ctx, orders: decision.orders }] });
    await q.query(`UPDATE subscriptions SET status = 'paused', paused_reason = 'stop_out', updated_at = now(),
                          settings = jsonb_set(settings, '{status}', '"paused"') WHERE id = $1`, [sub.id]);
    await q.query(`SELECT pg_notify('kopitra_cache', $1)`, [`subscription:${sub.master_account_id}`]);
    await insertAuditRun(q, {
      id: runId, kind: 'stop_out', status: 'succeeded', accountId: followerAccountId, startedAt: at, finishedAt: at,
      trigger: { subscriptionId: sub.id, equity: ctx.follower.equity, stopOutEquity: ctx.subscription.stopOutEquity },
      steps: [{ at, stage: 'stop_out', outcome: 'ok', detail: { orders: written.length, paused: true } }],
      decisions: [{ ...decision, orderIds: written.map((w) => w.orderId) }], result: { orders: written.length, paused: true },
      latency: {}, summary: `stop-out: ${written.length} copies closed, subscription paused`,
    });
    await publishEvent(q, { kind: 'run', runId, runKind: 'stop_out', accountId: followerAccountId, at });
    woken.push(followerAccountId);
  }
}

async function resyncAfterGap(q: Queryable, masterAccountId: string, masterPositions: SnapshotPosition[], nowMs: number, woken: string[]): Promise<void> {
  const [{ rows: lockRows }, contexts] = [
    await q.query<{ balance: number | null; equity: number | null; day_start_equity: number | null; symbols: null; symbol_prefix: string; symbol_suffix: string }>(
      `SELECT s.balance, s.equity, s.day_start_equity, s.symbols, a.symbol_prefix, a.symbol_suffix
         FROM account_state s JOIN accounts a ON a.id = s.account_id WHERE s.account_id = $1 FOR UPDATE OF s`,
      [masterAccountId],
    ),
    await loadFollowerContexts(q, masterAccountId),
  ];
  const m = lockRows[0];
  if (!m) return;
  const master = { accountId: masterAccountId, balance: m.balance, equity: m.equity, dayStartEquity: m.day_start_equity, symbols: m.symbols, symbolPrefix: m.symbol_prefix, symbolSuffix: m.symbol_suffix };
  const at = new Date(nowMs).toISOString();
  for (const ctx of contexts) {
    const snap = await loadSnapshot(q, ctx.subscription.followerAccountId);
    if (!snap) continue; // the follower's own snapshot will be needed; its next master snapshot retries nothing, the task can
    const plan = reconcile({ nowMs, master, masterPositions, followerPositions: toSnapshotPositions(snap.positions as SnapshotTelemetry['positions']), ctx });
    if (plan.orders.length === 0) continue;
    const runId = runIdFor('reconcile', ctx.subscription.id, at);
    const written = await writeOrders(q, { sourceId: runId, runId, signalId: null, nowMs, items: [{ ctx, orders: plan.orders }] });
    await insertAuditRun(q, {
      id: runId, kind: 'reconcile', status: 'succeeded', accountId: masterAccountId, startedAt: at, finishedAt: at,
      trigger: { reason: 'sequence_gap', subscriptionId: ctx.subscription.id },
      steps: [{ at, stage: 'reconciled', outcome: 'ok', detail: { orders: written.length } }],
      decisions: [], result: { applied: true, plan: plan.items, reported: plan.reported }, latency: {},
      summary: `resync after sequence gap: ${written.length} corrective orders`,
    });
    await publishEvent(q, { kind: 'run', runId, runKind: 'reconcile', accountId: masterAccountId, at });
    woken.push(ctx.subscription.followerAccountId);
  }
  await clearResyncPending(q, masterAccountId);
}
