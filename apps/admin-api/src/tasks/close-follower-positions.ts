import { Type } from '@sinclair/typebox';
import type { PlannedOrder } from '@kopitra/engine';
import { KopitraError } from '@kopitra/protocol';
import { appendAuditLog, loadFollowerContexts, notifyFollowers, writeOrders, type OrderToWrite } from '@kopitra/store';
import { defineTask } from './task-definition';

const Params = Type.Object({ followerAccountId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

const NO_FIELDS = {
  kind: null, price: null, maxDeviation: null, sl: null, tp: null, expiresAt: null, masterOrderId: null, updates: null,
} as const;

export const closeFollowerPositionsTask = defineTask({
  id: 'close-follower-positions',
  title: 'Close follower positions',
  description: "Emergency flatten: closes every open copy of one follower account (all its subscriptions) and cancels its pending copies. It does not pause the subscriptions; pause them first to stop new copies.",
  params: Params,
  supportsDryRun: false,
  dangerous: true,
  access: 'operator',
  async prepare(q, params) {
    const { rows } = await q.query<{ role: string }>('SELECT role FROM accounts WHERE id = $1', [params.followerAccountId]);
    if (!rows[0]) throw new KopitraError('not_found', `account ${params.followerAccountId} not found`);
    if (rows[0].role !== 'follower') throw new KopitraError('invalid_payload', `params.followerAccountId: account ${params.followerAccountId} is not a follower account`, { extra: { field: 'params.followerAccountId' } });
    return { accountId: params.followerAccountId };
  },
  async run(ctx, params) {
    await ctx.progress(0, 1, 'closing copies');
    const done = await ctx.effect('close', async (q) => {
      const { rows: subs } = await q.query<{ id: string; master_account_id: string }>(
        'SELECT id, master_account_id FROM subscriptions WHERE follower_account_id = $1 AND deleted_at IS NULL ORDER BY id', [params.followerAccountId]);
      const items: OrderToWrite[] = [];
      for (const sub of subs) {
        const [fctx] = await loadFollowerContexts(q, sub.master_account_id, sub.id);
        if (!fctx) continue;
        // legId names the exact leg, so each close consumes its own copy and nothing else.
        const closes = fctx.copies.map((leg) => ({
          ...NO_FIELDS, action: 'close', symbol: leg.followerSymbol, side: leg.side, volume: leg.volume,
          masterPositionId: leg.masterPositionId, followerPositionId: leg.followerPositionId,
          legId: (leg as { legId?: string }).legId,
        }) as PlannedOrder);
        const cancels = fctx.pendingCopies.map((p) => ({
          ...NO_FIELDS, action: 'cancel', symbol: p.followerSymbol, side: p.kind.startsWith('buy') ? 'buy' : 'sell', kind: p.kind, volume: null,
          masterPositionId: null, masterOrderId: p.masterOrderId, followerPositionId: null,
        }) as PlannedOrder);
        if (closes.length + cancels.length > 0) items.push({ ctx: fctx, orders: [...closes, ...cancels] });
      }
      const written = items.length === 0 ? [] : await writeOrders(q, { sourceId: ctx.runId, runId: ctx.runId, signalId: null, nowMs: ctx.now(), items });
      if (written.length > 0) await notifyFollowers(q, [params.followerAccountId]);
      const result = {
        subscriptions: subs.length,
        closes: written.filter((w) => w.action === 'close').length,
        cancels: written.filter((w) => w.action === 'cancel').length,
        orderIds: written.map((w) => w.orderId),
      };
      await appendAuditLog(q, { actor: ctx.requestedBy, action: 'follower.close_all', target: params.followerAccountId, before: null, after: { runId: ctx.runId, ...result } });
      return result;
    });
    await ctx.progress(1, 1, 'orders sent');
    return { result: done, summary: `flatten: ${done.closes} closes, ${done.cancels} cancels over ${done.subscriptions} subscriptions` };
  },
});
