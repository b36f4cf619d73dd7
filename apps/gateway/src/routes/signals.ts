import type { FastifyInstance } from 'fastify';
import { KopitraError, validateSignal } from '@kopitra/protocol';
import type { GatewayContext } from '../gateway-context';

/** POST /signals — a master EA reports a trade event; answered 202 once it and all follower orders commit. */
export function signalsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/signals', { preValidation: ctx.auth('master') }, async (req, reply) => {
    const receivedAtMs = ctx.now();
    const v = validateSignal(req.body);
    if (!v.ok) throw new KopitraError('invalid_payload', v.message, { extra: { field: v.field } });
    const ea = req.ea!;
    const outcome = await ctx.signals.submit({
      accountId: ea.accountId, idempotencyKey: req.idempotencyKey!, requestHash: `POST ${req.rawBodySha256}`, body: v.value, receivedAtMs,
    });
    if (!outcome.ok) throw outcome.error;
    return reply.status(outcome.status).send(outcome.body);
  });
}
