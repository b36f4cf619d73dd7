import type { FastifyInstance } from 'fastify';
import { KopitraError, validateExecution } from '@kopitra/protocol';
import { publishEvent, recordExecution } from '@kopitra/store';
import type { GatewayContext } from '../gateway-context';

/** POST /executions — a follower EA reports what happened to one of its orders. */
export function executionsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/executions', { preValidation: ctx.auth('follower') }, async (req, reply) => {
    const v = validateExecution(req.body);
    if (!v.ok) throw new KopitraError('invalid_payload', v.message, { extra: { field: v.field } });
    const ea = req.ea!;
    const result = await ctx.idempotent.run(
      { accountId: ea.accountId, key: req.idempotencyKey!, requestHash: `EXECUTION ${req.rawBodySha256}` },
      async () => undefined,
      async (q) => {
        const outcome = await recordExecution(q, ea.accountId, v.value, new Date(ctx.now()).toISOString());
        if (outcome.kind === 'not_found') throw new KopitraError('not_found', 'no such order for this account');
        if (outcome.kind === 'conflict') {
          throw new KopitraError('execution_conflict', `order ${v.value.orderId} already has a different terminal report (${outcome.current})`);
        }
        if (outcome.kind === 'recorded') {
          await publishEvent(q, { kind: 'execution', orderId: outcome.order.id, runId: outcome.order.runId, followerAccountId: ea.accountId, status: v.value.status, at: new Date(ctx.now()).toISOString() });
        }
        return { status: 202, body: { accepted: true as const, orderId: v.value.orderId } };
      },
    );
    return reply.status(result.status).send(result.body);
  });
}
