import type { FastifyInstance } from 'fastify';
import { KopitraError, validateTelemetry } from '@kopitra/protocol';
import type { GatewayContext } from '../gateway-context';
import { recordTelemetry } from '../services/record-telemetry';

/** POST /telemetry — heartbeats and snapshots from any EA. */
export function telemetryRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/telemetry', { preValidation: ctx.auth('any') }, async (req, reply) => {
    const v = validateTelemetry(req.body);
    if (!v.ok) throw new KopitraError('invalid_payload', v.message, { extra: { field: v.field } });
    const ea = req.ea!;
    const result = await ctx.idempotent.run(
      { accountId: ea.accountId, key: req.idempotencyKey!, requestHash: `TELEMETRY ${req.rawBodySha256}` },
      async () => undefined,
      (q) => recordTelemetry(q, ea.accountId, ea.role, v.value, ctx.now()),
    );
    for (const id of result.extra?.followerAccountIds ?? []) ctx.hub.wake(id);
    return reply.status(result.status).send(result.body);
  });
}
