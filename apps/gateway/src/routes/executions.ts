import type { FastifyInstance } from 'fastify';
import { KopitraError, validateExecution } from '@kopitra/protocol';
import type { GatewayContext } from '../gateway-context';

/** POST /executions — a follower EA reports what happened to one of its orders (group-committed). */
export function executionsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/executions', { preValidation: ctx.auth('follower') }, async (req, reply) => {
    const v = validateExecution(req.body);
    if (!v.ok) throw new KopitraError('invalid_payload', v.message, { extra: { field: v.field } });
    // The order's delivery stamp goes with its report (one write for both), and what was handed
    // over stands for reading the order; see DeliveryStamps.
    const delivery = ctx.stamps.take(req.ea!.accountId, v.value.orderId);
    const result = await ctx.executions.submit({
      followerAccountId: req.ea!.accountId, idempotencyKey: req.idempotencyKey!, requestHash: `EXECUTION ${req.rawBodySha256}`, report: v.value,
      ...(delivery === undefined ? {} : { deliveredAt: new Date(delivery.at).toISOString(), handed: { runId: delivery.runId, action: delivery.action, volume: delivery.volume } }),
    });
    switch (result.kind) {
      case 'answer':
        return reply.status(result.status).send(result.body);
      case 'not_found':
        throw new KopitraError('not_found', 'no such order for this account');
      case 'conflict':
        throw new KopitraError('execution_conflict', `order ${v.value.orderId} already has a different terminal report (${result.current})`);
      case 'key_reused':
        throw new KopitraError('idempotency_key_reused', 'this Idempotency-Key was used before with a different request');
    }
  });
}
