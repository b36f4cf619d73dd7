import type { FastifyInstance } from 'fastify';
import { KopitraError, validateSignal } from '@kopitra/protocol';
import { lockMaster } from '@kopitra/store';
import type { GatewayContext } from '../gateway-context';
import { ingestSignal } from '../services/ingest-signal';

/** POST /signals — a master EA reports a trade event; answered 202 once it and all follower orders commit. */
export function signalsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/signals', { preValidation: ctx.auth('master') }, async (req, reply) => {
    const receivedAtMs = ctx.now();
    const v = validateSignal(req.body);
    if (!v.ok) throw new KopitraError('invalid_payload', v.message, { extra: { field: v.field } });
    const ea = req.ea!;
    const result = await ctx.idempotent.run(
      { accountId: ea.accountId, key: req.idempotencyKey!, requestHash: `POST ${req.rawBodySha256}` },
      (q) => lockMaster(q, ea.accountId),
      (q, lock) => ingestSignal(q, lock, { accountId: ea.accountId, body: v.value, receivedAtMs, nowMs: ctx.now() }),
    );
    for (const id of result.extra?.followerAccountIds ?? []) ctx.hub.wake(id);
    return reply.status(result.status).send(result.body);
  });
}
