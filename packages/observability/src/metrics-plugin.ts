import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KopitraMetrics } from './metrics-registry';

const EA_SIGNALS = /\/trade-agent\/v1\/signals$/;
const EA_EXECUTIONS = /\/trade-agent\/v1\/executions$/;

function routeOf(request: FastifyRequest): string {
  // The template, never the raw URL: ids in paths would explode the label set.
  return request.routeOptions.url ?? (request.is404 ? 'unmatched' : 'unknown');
}

/**
 * Request timing for every route of the instance and of every plugin registered after this
 * call (hooks added at the root reach the children), copy-path counters read from the
 * gateway's responses without touching its routes, and `GET <path>` in Prometheus text.
 */
export function registerMetrics(app: FastifyInstance, metrics: KopitraMetrics, options: { path?: string } = {}): void {
  const path = options.path ?? '/metrics';
  // Callback hooks, not async ones: an async hook costs every request a promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    if (route !== path) metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method === 'POST' && reply.statusCode < 300 && typeof payload === 'string') countCopyPath(metrics, routeOf(request), reply.statusCode, payload);
    done(null, payload);
  });
  app.get(path, { config: { adminAccess: 'public' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

/** Copy-path counters from a successful POST's answer. */
function countCopyPath(metrics: KopitraMetrics, route: string, statusCode: number, payload: string): void {
  if (EA_SIGNALS.test(route)) {
    const body = parse(payload);
    if (body && statusCode === 202) {
      const orders = typeof body.orders === 'number' ? body.orders : 0;
      // A replayed Idempotency-Key answers the same body again and is counted again: rare
      // (a retry after a lost answer), and the store's rows remain the exact count.
      metrics.signalsAccepted.inc();
      if (orders > 0) metrics.ordersCreated.inc(orders);
    }
  } else if (EA_EXECUTIONS.test(route)) {
    metrics.executionsReported.inc({ status: String(statusCode) });
  }
}

function parse(payload: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(payload);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
