import type { FastifyInstance } from 'fastify';
import { KopitraError } from '@kopitra/protocol';
import type { GatewayContext } from '../gateway-context';

function intParam(raw: unknown, name: string, min: number, max: number, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const s = String(raw);
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new KopitraError('invalid_payload', `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, { extra: { field: name } });
  }
  return n;
}

/**
 * GET /orders?wait=N&limit=M — a follower's pending orders, oldest first. With `wait` it
 * long-polls: it answers the moment an order for this follower commits (in-process or NOTIFY
 * wake-up), re-checking every `longPollFallbackMs` in case a notification was lost.
 */
export function ordersRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/orders', { preValidation: ctx.auth('follower') }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const wait = intParam(query.wait, 'wait', 0, 30, 0, false);
    const limit = intParam(query.limit, 'limit', 1, 100, 50, true);
    const accountId = req.ea!.accountId;
    const deadline = ctx.now() + Math.min(wait, ctx.config.maxLongPollSeconds) * 1000;
    const aborted = new AbortController();
    req.raw.once('close', () => aborted.abort());

    const read = () => ctx.pendingOrders.get(`${accountId}\u0000${limit}`);
    let orders = await read();
    while (orders.length === 0 && !aborted.signal.aborted && !ctx.closing()) {
      const left = deadline - ctx.now();
      if (left <= 0) break;
      // Register before re-reading: a commit between the read and the wait still wakes us.
      const waiting = ctx.hub.wait(accountId, Math.min(left, ctx.config.longPollFallbackMs), aborted.signal);
      orders = await read();
      if (orders.length > 0) {
        ctx.hub.wake(accountId);
        await waiting;
        break;
      }
      await waiting;
      orders = await read();
    }
    for (const o of orders) ctx.deliveries.get(String(o.orderId)).catch((err: unknown) => req.log.warn({ err }, 'could not record delivery'));
    return reply.status(200).send({ orders });
  });
}
