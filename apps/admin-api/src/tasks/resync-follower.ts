import { Type } from '@sinclair/typebox';
import { reconcile, type ReconcilePlan, type SnapshotPosition } from '@kopitra/engine';
import { KopitraError } from '@kopitra/protocol';
import { loadFollowerContexts, loadSnapshot, lockMaster, notifyFollowers, writeOrders, type AccountSnapshotView, type Queryable } from '@kopitra/store';
import { defineTask, TaskFailure } from './task-definition';

const Params = Type.Object({
  subscriptionId: Type.String({ minLength: 1, maxLength: 128 }),
  dryRun: Type.Boolean({ default: true, description: 'plan only; nothing is sent to the follower' }),
  openMissing: Type.Optional(Type.Boolean({ description: "overrides the subscription's resync.openMissing for this run" })),
  reopenClosedByHand: Type.Boolean({ default: false, description: 'also reopen copies closed by hand on the follower' }),
}, { additionalProperties: false });

function positions(snap: AccountSnapshotView): SnapshotPosition[] {
  return snap.positions.map((p) => ({ id: p.id, symbol: p.symbol, side: p.side, volume: p.volume, price: p.price, sl: p.sl ?? null, tp: p.tp ?? null, ...(p.comment !== undefined ? { comment: p.comment } : {}) }));
}

async function subscriptionPair(q: Queryable, subscriptionId: string): Promise<{ master: string; follower: string } | null> {
  const { rows } = await q.query<{ master_account_id: string; follower_account_id: string }>(
    'SELECT master_account_id, follower_account_id FROM subscriptions WHERE id = $1 AND deleted_at IS NULL', [subscriptionId]);
  return rows[0] ? { master: rows[0].master_account_id, follower: rows[0].follower_account_id } : null;
}

/**
 * The reconciliation of copy-semantics.md from the latest snapshots and the copy legs. With
 * `lock`, the master's state row is locked first, so no signal of that master is planned while
 * the corrective orders are (the same order the gateway keeps).
 */
async function planResync(q: Queryable, params: { subscriptionId: string; openMissing?: boolean | undefined; reopenClosedByHand: boolean }, nowMs: number, lock: boolean) {
  const pair = await subscriptionPair(q, params.subscriptionId);
  if (!pair) throw new TaskFailure(`subscription ${params.subscriptionId} not found`);
  const master = lock ? (await lockMaster(q, pair.master)).master : await masterState(q, pair.master);
  const [ctx] = await loadFollowerContexts(q, pair.master, params.subscriptionId);
  if (!ctx) throw new TaskFailure(`subscription ${params.subscriptionId} not found`);
  const [masterSnap, followerSnap] = [await loadSnapshot(q, pair.master), await loadSnapshot(q, pair.follower)];
  if (!masterSnap) throw new TaskFailure(`the master ${pair.master} has not reported a snapshot yet`);
  if (!followerSnap) throw new TaskFailure(`the follower ${pair.follower} has not reported a snapshot yet`);
  const masterPositions = positions(masterSnap);
  const openedAt = await masterPositionOpenTimes(q, pair.master, masterPositions.map((p) => p.id));
  const subscription = params.openMissing === undefined ? ctx.subscription
    : { ...ctx.subscription, resync: { ...ctx.subscription.resync, openMissing: params.openMissing } };
  const plan = reconcile({
    nowMs, master, masterPositions, followerPositions: positions(followerSnap),
    ctx: { ...ctx, subscription },
    // The engine's override also reopens copies closed on the follower: only when asked to.
    openMissingOverride: params.reopenClosedByHand,
    masterPositionOpenedAtMs: openedAt,
  });
  return { plan, ctx, pair, snapshots: { masterAt: masterSnap.snapshotAt, followerAt: followerSnap.snapshotAt } };
}

async function masterState(q: Queryable, accountId: string) {
  const { rows } = await q.query<{ balance: number | null; equity: number | null; day_start_equity: number | null; symbols: null; symbol_prefix: string; symbol_suffix: string }>(
    `SELECT s.balance, s.equity, s.day_start_equity, s.symbols, a.symbol_prefix, a.symbol_suffix
       FROM accounts a LEFT JOIN account_state s ON s.account_id = a.id WHERE a.id = $1`, [accountId]);
  const m = rows[0];
  if (!m) throw new TaskFailure(`master account ${accountId} not found`);
  return { accountId, balance: m.balance, equity: m.equity, dayStartEquity: m.day_start_equity, symbols: m.symbols, symbolPrefix: m.symbol_prefix, symbolSuffix: m.symbol_suffix };
}

/** When each master position opened, from its latest `position.opened` signal (a reopened netting id counts anew). */
async function masterPositionOpenTimes(q: Queryable, masterAccountId: string, ids: string[]): Promise<Record<string, number>> {
  if (ids.length === 0) return {};
  const { rows } = await q.query<{ id: string; at: Date }>(
    `SELECT body->'position'->>'id' AS id, max(occurred_at) AS at FROM signals
      WHERE account_id = $1 AND type = 'position.opened' AND body->'position'->>'id' = ANY($2::text[])
      GROUP BY 1`, [masterAccountId, ids]);
  return Object.fromEntries(rows.map((r) => [r.id, new Date(r.at).getTime()]));
}

function summaryOf(plan: ReconcilePlan, applied: boolean): string {
  const counts = plan.items.reduce<Record<string, number>>((acc, i) => ({ ...acc, [i.reason]: (acc[i.reason] ?? 0) + 1 }), {});
  const parts = Object.entries(counts).map(([r, n]) => `${n} ${r}`);
  const what = plan.items.length === 0 ? 'in sync, nothing to do' : `${plan.items.length} corrective orders (${parts.join(', ')})`;
  return `resync ${applied ? 'applied' : 'dry run'}: ${what}${plan.reported.length > 0 ? `; ${plan.reported.length} reported` : ''}`;
}

export const resyncFollowerTask = defineTask({
  id: 'resync-follower',
  title: 'Resync follower',
  description: "Reconciles one subscription from the master's and the follower's latest snapshots and the copy links: closes copies whose master position is gone, shrinks oversized copies, opens missing copies when allowed (never reopens a copy closed by hand unless asked). A dry run only returns the plan.",
  params: Params,
  supportsDryRun: true,
  dangerous: false,
  access: 'operator',
  async prepare(q, params) {
    const pair = await subscriptionPair(q, params.subscriptionId);
    if (!pair) throw new KopitraError('not_found', `subscription ${params.subscriptionId} not found`);
    return { accountId: pair.follower };
  },
  async run(ctx, params) {
    await ctx.progress(0, params.dryRun ? 1 : 2, 'planning');
    if (params.dryRun) {
      const { plan, snapshots } = await planResync(ctx.db, params, ctx.now(), false);
      return {
        result: { applied: false, plan: plan.items, reported: plan.reported, snapshots },
        summary: summaryOf(plan, false),
        decisions: plan.decisions.map((d) => ({ ...d, orderIds: [] })),
      };
    }
    // Planned again inside the effect's transaction: what is applied is what the data says now.
    const applied = await ctx.effect('apply', async (q) => {
      const { plan, ctx: fctx, pair, snapshots } = await planResync(q, params, ctx.now(), true);
      const written = plan.orders.length === 0 ? [] : await writeOrders(q, {
        sourceId: ctx.runId, runId: ctx.runId, signalId: null, nowMs: ctx.now(), items: [{ ctx: fctx, orders: plan.orders }],
      });
      // Copies closed on the follower whose master position is gone too: the link has nothing left to guard.
      for (const r of plan.reported) {
        if (r.kind === 'copy_closed_on_follower' && r.detail === 'master_position_closed') {
          await q.query(
            `UPDATE copy_legs SET volume = 0 WHERE subscription_id = $1 AND master_position_id = $2 AND follower_position_id IS NOT DISTINCT FROM $3`,
            [params.subscriptionId, r.masterPositionId, r.followerPositionId]);
        }
      }
      if (written.length > 0) await notifyFollowers(q, [pair.follower]);
      return {
        items: plan.items, reported: plan.reported, orderIds: written.map((w) => w.orderId), snapshots,
        decisions: plan.decisions, summary: summaryOf(plan, true),
      };
    });
    await ctx.progress(2, 2, 'applied');
    return {
      result: { applied: true, plan: applied.items, reported: applied.reported, orderIds: applied.orderIds, snapshots: applied.snapshots },
      summary: applied.summary,
      decisions: applied.decisions.map((d) => ({ ...d, orderIds: [] })),
    };
  },
});
