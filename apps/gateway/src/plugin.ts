import type { FastifyInstance } from 'fastify';
import { registerEaBodyParser } from './ea-body-parser';
import { installErrorHandler } from './error-handler';
import { createGatewayContext, type GatewayContext, type GatewayDeps } from './gateway-context';
import { executionsRoute } from './routes/executions';
import { healthRoute } from './routes/health';
import { logsRoute } from './routes/logs';
import { ordersRoute } from './routes/orders';
import { signalsRoute } from './routes/signals';
import { telemetryRoute } from './routes/telemetry';

export interface GatewayPluginOptions extends GatewayDeps {
  /** Receives the context once built (the launcher uses it for shutdown and metrics). */
  onContext?: (ctx: GatewayContext) => void;
}

/**
 * The counterparty gateway as an encapsulated Fastify plugin: register it with
 * `prefix: '/trade-agent/v1'`. Its body parser and error handler stay inside it.
 */
export async function gatewayPlugin(app: FastifyInstance, opts: GatewayPluginOptions): Promise<void> {
  const ctx = createGatewayContext({ onBackgroundError: (err, what) => app.log.warn({ err }, what), ...opts });
  await ctx.start();
  opts.onContext?.(ctx);
  registerEaBodyParser(app);
  installErrorHandler(app);
  app.addHook('preClose', async () => ctx.beginClose());
  app.addHook('onClose', async () => ctx.stop());
  // An answer sent during shutdown (a released long-poll, an in-flight signal) closes its
  // keep-alive socket: server.close() drops only the sockets idle at the moment it is called, and
  // one left open holds the process until the forced exit (infra/tests/gateway-sigterm.test.ts).
  // Callback hooks, not async ones: an async hook costs every answer a promise (a fan-out's thousand).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (ctx.closing()) reply.header('connection', 'close');
    done(null, payload);
  });
  healthRoute(app, ctx);
  signalsRoute(app, ctx);
  telemetryRoute(app, ctx);
  ordersRoute(app, ctx);
  executionsRoute(app, ctx);
  logsRoute(app, ctx, opts.storage);
}
