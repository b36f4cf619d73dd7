import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';
import { createDashboardCache } from './dashboard-cache';
import { EventHub } from './event-hub';
import { healthChecksOf } from './health-checks';
import { metricsOverview } from './metrics-overview';

const Pct = Type.Object({ p50: Nullable(Type.Number()), p99: Nullable(Type.Number()) });
const ByReason = Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer(), lastRunId: Type.String() }));
export const MetricsOverviewSchema = Type.Object({
  window: Type.Object({ from: Timestamp, to: Timestamp }),
  signalsPerMinute: Type.Array(Type.Object({ at: Timestamp, count: Type.Integer() })),
  latencyMs: Type.Object({ ingest: Pct, plan: Pct, delivery: Pct, execution: Pct }),
  eas: Type.Object({
    online: Type.Integer(), offline: Type.Integer(),
    items: Type.Array(Type.Object({ accountId: Type.String(), name: Type.String(), role: Type.String(), online: Type.Boolean(), lastHeartbeatAt: Nullable(Timestamp) })),
  }),
  followers: Type.Object({ inSync: Type.Integer(), drifting: Type.Integer(), stoppedOut: Type.Integer() }),
  skips: ByReason,
  errors: ByReason,
});

const Check = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('down')]), latencyMs: Type.Optional(Type.Number()), configured: Type.Optional(Type.Boolean()) });
const HealthSchema = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('down')]), checks: Type.Record(Type.String(), Check) });

/** GET /metrics/overview, GET /events (SSE) and GET /health. */
export function registerMonitoringRoutes(app: TypedApp, ctx: AdminContext): void {
  const cache = createDashboardCache(ctx.config.redisUrl, app.log);
  const hub = new EventHub(ctx.db, ctx.config.eventsHeartbeatMs);
  // Streams end before the server waits for connections to drain.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => cache.close());

  app.get('/metrics/overview', {
    config: { adminAccess: 'viewer' },
    schema: { tags: ['monitoring'], response: { 200: MetricsOverviewSchema, ...errors(403) } },
  }, async (_request, reply) => {
    const { value, cached } = await cache.read('metrics-overview', ctx.config.dashboardCacheSeconds, () =>
      metricsOverview(ctx.db, { nowMs: ctx.now(), onlineWindowMs: ctx.config.onlineWindowMs }));
    void reply.header('x-kopitra-cache', cached ? 'hit' : 'miss');
    return value;
  });

  app.get('/events', {
    config: { adminAccess: 'viewer', tokenInQuery: true },
    schema: {
      tags: ['monitoring'],
      description: 'Server-Sent Events: `event: signal|execution|ea|run|task`, `data: <json>`; a `: ping` comment every 15 s. Auth by bearer header or `?access_token=`.',
      querystring: Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 8192 })) }, { additionalProperties: false }),
      response: { 200: { type: 'string', description: 'text/event-stream' } as never, ...errors(403) },
    },
  }, async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n: connected\n\n`);
    await hub.add(res);
    request.log.info({ event: 'events.connected', connections: hub.connections }, 'event stream opened');
  });

  app.get('/health', {
    config: { adminAccess: 'public' },
    schema: { tags: ['health'], response: { 200: HealthSchema, 503: HealthSchema } },
  }, async (_request, reply) => {
    const checks: Record<string, { status: 'ok' | 'down'; latencyMs?: number; configured?: boolean }> = {};
    const t0 = performance.now();
    try {
      await ctx.db.query('SELECT 1');
      checks.database = { status: 'ok', latencyMs: Math.round((performance.now() - t0) * 1000) / 1000 };
    } catch {
      checks.database = { status: 'down' };
    }
    const extra = healthChecksOf(ctx);
    await Promise.all([...extra].map(async ([name, check]) => {
      try {
        await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
        checks[name] = { status: 'ok' };
      } catch {
        checks[name] = { status: 'down' };
      }
    }));
    // No queue in this process (tasks not wired): nothing to be down.
    checks.queue ??= { status: 'ok', configured: false };
    const down = Object.values(checks).some((c) => c.status === 'down');
    return reply.status(down ? 503 : 200).send({ status: down ? 'down' : 'ok', checks });
  });
}
