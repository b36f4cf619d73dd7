import Fastify, { type FastifyInstance } from 'fastify';
import { EA_BASE_PATH, answerFrameworkError } from '@kopitra/protocol';
import { gatewayPlugin, type GatewayPluginOptions } from './plugin';

export interface BuildGatewayOptions extends GatewayPluginOptions {
  logger?: boolean | object;
}

/** A standalone gateway (tests and `server.ts`); the launcher mounts `gatewayPlugin` itself. */
export async function buildGatewayApp(opts: BuildGatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply),
    logger: opts.logger ?? false,
    // Long-polls last up to 30 s; keep-alive sockets from EAs are reused across them.
    keepAliveTimeout: 65_000,
    // A request must arrive whole within 15 s (slow-body clients are cut off); long-poll answers are not limited by this.
    requestTimeout: 15_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // Headers must arrive within 10 s (a client trickling them is cut off; Node checks every 30 s).
  app.server.headersTimeout = 10_000;
  await app.register(gatewayPlugin, { ...opts, prefix: EA_BASE_PATH });
  return app;
}
