import { Type } from '@sinclair/typebox';
import { planSignal, type AccountState, type FollowerContext, type SubscriptionSettings as EngineSettings } from '@kopitra/engine';
import { KopitraError } from '@kopitra/protocol';
import { IdParam, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';
import { loadFollowerContexts, type Queryable } from '../store';
import { SubscriptionSettingsPatchSchema, mergeSubscriptionSettings, normaliseSubscriptionSettings } from '../subscription-settings';
import { explainDecision } from './explain-decision';

const Trade = Type.Object({
  symbol: Type.String({ minLength: 1, maxLength: 32 }),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
  volume: Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
  price: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
  sl: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
  tp: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
}, { additionalProperties: false });

export const PreviewBody = Type.Object({
  subscriptionId: Type.Optional(IdParam),
  masterAccountId: Type.Optional(IdParam),
  followerAccountId: Type.Optional(IdParam),
  trade: Trade,
  ...SubscriptionSettingsPatchSchema.properties,
}, { additionalProperties: false, description: 'An existing subscription (settings given here override its own, as a what-if), or a master and follower pair with settings' });

const PreviewResponse = Type.Object({
  decision: Type.Object({
    outcome: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), volume: Type.Union([Type.Number(), Type.Null()]),
    notes: Type.Array(Type.String()), inputs: Type.Unknown(), orders: Type.Array(Type.Unknown()),
    subscriptionId: Type.String(), followerAccountId: Type.String(),
  }),
  explanation: Type.String(),
});

interface StateRow { account_id: string; role: string; balance: number | null; equity: number | null; day_start_equity: number | null; symbols: AccountState['symbols']; symbol_prefix: string; symbol_suffix: string }

async function accountState(q: Queryable, id: string, field: string): Promise<AccountState & { role: string }> {
  const { rows } = await q.query<StateRow>(
    `SELECT a.id AS account_id, a.role, s.balance, s.equity, s.day_start_equity, s.symbols, a.symbol_prefix, a.symbol_suffix
       FROM accounts a LEFT JOIN account_state s ON s.account_id = a.id WHERE a.id = $1`, [id]);
  const r = rows[0];
  if (!r) throw new KopitraError('not_found', `${field}: no account ${id}`, { extra: { field } });
  return {
    accountId: r.account_id, role: r.role, balance: r.balance, equity: r.equity, dayStartEquity: r.day_start_equity,
    symbols: r.symbols, symbolPrefix: r.symbol_prefix, symbolSuffix: r.symbol_suffix,
  };
}

const CONTROL = new Set(['subscriptionId', 'masterAccountId', 'followerAccountId', 'trade']);

/** POST /subscriptions/preview (viewer+): what the engine would do for one trade, with the follower's latest known state. Writes nothing. */
export function registerPreviewRoute(app: TypedApp, ctx: AdminContext): void {
  app.post('/subscriptions/preview', {
    config: { adminAccess: 'viewer' },
    schema: { tags: ['subscriptions'], body: PreviewBody, response: { 200: PreviewResponse, ...errors(400, 403, 404) } },
  }, async (request) => {
    const body = request.body as Record<string, unknown> & { subscriptionId?: string; masterAccountId?: string; followerAccountId?: string; trade: typeof Trade.static };
    const overrides = Object.fromEntries(Object.entries(body).filter(([k]) => !CONTROL.has(k)));
    let context: FollowerContext;
    let masterId: string;
    if (body.subscriptionId !== undefined) {
      if (body.masterAccountId !== undefined || body.followerAccountId !== undefined) {
        throw new KopitraError('invalid_payload', 'subscriptionId: give a subscription or a master and follower pair, not both', { extra: { field: 'subscriptionId' } });
      }
      const { rows } = await ctx.db.query<{ master_account_id: string }>('SELECT master_account_id FROM subscriptions WHERE id = $1 AND deleted_at IS NULL', [body.subscriptionId]);
      if (!rows[0]) throw new KopitraError('not_found', `no subscription ${body.subscriptionId}`);
      masterId = rows[0].master_account_id;
      const [found] = await loadFollowerContexts(ctx.db, masterId, body.subscriptionId);
      if (!found) throw new KopitraError('not_found', `no subscription ${body.subscriptionId}`);
      const { id, masterAccountId, followerAccountId, ...current } = found.subscription;
      const settings = Object.keys(overrides).length ? mergeSubscriptionSettings(current as never, overrides) : current;
      context = { ...found, subscription: { ...(settings as Omit<EngineSettings, 'id' | 'masterAccountId' | 'followerAccountId'>), id, masterAccountId, followerAccountId } };
    } else {
      if (body.masterAccountId === undefined) throw new KopitraError('invalid_payload', 'masterAccountId: required without subscriptionId', { extra: { field: 'masterAccountId' } });
      if (body.followerAccountId === undefined) throw new KopitraError('invalid_payload', 'followerAccountId: required without subscriptionId', { extra: { field: 'followerAccountId' } });
      masterId = body.masterAccountId;
      const follower = await accountState(ctx.db, body.followerAccountId, 'followerAccountId');
      if (follower.role !== 'follower') throw new KopitraError('invalid_payload', 'followerAccountId: not a follower account', { extra: { field: 'followerAccountId' } });
      const settings = normaliseSubscriptionSettings(overrides);
      const { role: _role, ...followerState } = follower;
      context = {
        subscription: { ...(settings as Omit<EngineSettings, 'id' | 'masterAccountId' | 'followerAccountId'>), id: 'preview', masterAccountId: masterId, followerAccountId: follower.accountId },
        follower: followerState, copies: [], pendingCopies: [],
      };
    }
    const master = await accountState(ctx.db, masterId, 'masterAccountId');
    if (master.role !== 'master') throw new KopitraError('invalid_payload', 'masterAccountId: not a master account', { extra: { field: 'masterAccountId' } });
    const { role: _r, ...masterState } = master;
    const nowMs = ctx.now();
    const t = body.trade;
    const [decision] = planSignal({
      nowMs, master: masterState, followers: [context],
      event: { type: 'position.opened', occurredAtMs: nowMs, position: { id: 'preview', symbol: t.symbol, side: t.side, volume: t.volume, price: t.price, sl: t.sl ?? null, tp: t.tp ?? null } },
    });
    return { decision: decision!, explanation: explainDecision(decision!) };
  });
}
