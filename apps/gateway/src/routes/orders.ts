import type { FastifyInstance, FastifyReply } from 'fastify';
import { KopitraError } from '@kopitra/protocol';
import type { GatewayContext } from '../gateway-context';

function numberParam(raw: unknown, name: string, min: number, max: number, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const s = String(raw);
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new KopitraError('invalid_payload', `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, { extra: { field: name } });
  }
  return n;
}

/** The content type fastify gives a serialised object: a prepared answer goes out with the same one. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A long-poll's client: gone once its connection closed; `wait.cancel()` withdraws its wait alone
 * (not the account's other long-polls). Plain fields, not an AbortController: a fan-out ends a
 * thousand long-polls at once, and each abort() built an exception object.
 */
interface Client {
  gone: boolean;
  wait: { cancel?: () => void };
}

/**
 * The follower's pending orders; when there are none, waits until some commit (woken in-process
 * or by NOTIFY), the fallback sweep finds some, the deadline passes, the client goes away or
 * the gateway shuts down.
 *
 * The wait is registered before the queue is read, so one read per round suffices: a commit
 * after the read wakes us, a commit before it is in what we read. Woken by this process's own
 * commit, the long-poll answers with the orders handed over — the queue was empty when read, so
 * they are exactly what a read would return now, less any another process committed meanwhile
 * (its notification wakes the next long-poll). A lost notification is caught by the gateway's
 * periodic sweep.
 */
async function pollOrders(ctx: GatewayContext, accountId: string, limit: number, deadline: number, client: Client): Promise<{ orders: Record<string, unknown>[]; answer?: string }> {
  const read = () => ctx.pendingOrders.get(`${accountId}\u0000${limit}`);
  const waitFor = () => ctx.hub.wait(accountId, Math.max(0, deadline - ctx.now()), client.wait);
  let waiting = deadline > ctx.now() && !ctx.closing() ? waitFor() : null;
  let orders = await read();
  let answer: string | undefined;
  while (orders.length === 0 && waiting && !client.gone && !ctx.closing()) {
    const woke = await waiting;
    waiting = null;
    if (woke.why !== 'woken') break;
    const handed = woke.handed;
    if (handed && handed.orders.length > 0) {
      // Within the limit, the answer serialised with them is this long-poll's answer.
      if (handed.orders.length <= limit) ({ orders, answer } = handed);
      else orders = handed.orders.slice(0, limit);
      break;
    }
    if (deadline > ctx.now() && !ctx.closing()) waiting = waitFor();
    orders = await read();
  }
  if (waiting) {
    // Answering with what was read: release our registration now.
    client.wait.cancel?.();
    await waiting;
  }
  const at = ctx.now();
  for (const o of orders) ctx.stamps.delivered(accountId, o, at);
  return { orders, answer };
}

/** The long-poll's answer: the one serialised with the handed orders, or `{ orders }` serialised now. */
function answerOrders(reply: FastifyReply, polled: { orders: Record<string, unknown>[]; answer?: string }): FastifyReply {
  reply.status(200);
  return polled.answer === undefined ? reply.send({ orders: polled.orders }) : reply.type(JSON_TYPE).send(polled.answer);
}

/**
 * GET /orders?wait=N&limit=M — a follower's pending orders, oldest first. With `wait` it
 * long-polls: it answers the moment an order for this follower commits; a sweep every
 * `longPollFallbackMs` wakes it in case a notification was lost. An account holds at most
 * `maxLongPollsPerAccount` long-polls at once.
 */
export function ordersRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/orders', { preValidation: ctx.auth('follower') }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const wait = numberParam(query.wait, 'wait', 0, 30, 0, false);
    const limit = numberParam(query.limit, 'limit', 1, 100, 50, true);
    const accountId = req.ea!.accountId;
    const deadline = ctx.now() + Math.min(wait, ctx.config.maxLongPollSeconds) * 1000;
    const client: Client = { gone: false, wait: {} };
    req.raw.once('close', () => {
      client.gone = true;
      client.wait.cancel?.();
    });
    if (wait === 0) return answerOrders(reply, await pollOrders(ctx, accountId, limit, deadline, client));

    const open = ctx.longPolls.get(accountId) ?? 0;
    if (open >= ctx.config.maxLongPollsPerAccount) {
      throw new KopitraError('rate_limited', `at most ${ctx.config.maxLongPollsPerAccount} long-polls per account at once`, { retryAfterSeconds: 1 });
    }
    ctx.longPolls.set(accountId, open + 1);
    try {
      return await answerOrders(reply, await pollOrders(ctx, accountId, limit, deadline, client));
    } finally {
      const left = (ctx.longPolls.get(accountId) ?? 1) - 1;
      if (left <= 0) ctx.longPolls.delete(accountId);
      else ctx.longPolls.set(accountId, left);
    }
  });
}
