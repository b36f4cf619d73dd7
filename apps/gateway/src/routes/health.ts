import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context';

/** GET /health — no credentials; 503 `down` when the database cannot be reached. */
export function healthRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/health', async (_req, reply) => {
    const start = performance.now();
    let database: { status: string; latencyMs?: number; error?: string };
    try {
      await Promise.race([
        ctx.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      database = { status: 'ok', latencyMs: Math.round((performance.now() - start) * 100) / 100 };
    } catch (e) {
      database = { status: 'down', error: e instanceof Error ? e.message.slice(0, 200) : 'unreachable' };
    }
    const longPolls = { status: 'ok', waiting: ctx.hub.waiting };
    const status = database.status === 'ok' ? (ctx.closing() ? 'degraded' : 'ok') : 'down';
    return reply
      .status(status === 'down' ? 503 : 200)
      .send({ status, checks: { database, longPolls }, version: ctx.config.version });
  });
}
