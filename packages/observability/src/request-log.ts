import type { FastifyInstance } from 'fastify';

/**
 * Fastify server options that turn off its own request logging (an `incoming request` line and a
 * `request completed` line for every request). `registerRequestLog` logs one line per request
 * instead. Measured on the copy path at 500 signals/s (three EA requests per signal), against
 * LOG_LEVEL=silent: fastify's two lines cost the gateway 130–180 µs of CPU per signal, this one
 * 100–130 µs.
 */
export const requestLogOptions = { disableRequestLogging: true } as const;

/**
 * One access line per request, at info when it is answered — method, URL (credentials censored by
 * the `req` serializer), status and time — and the arrival at debug. Register at the root,
 * before the plugins, so it reaches every route. Callback hooks: no promise per request.
 */
export function registerRequestLog(app: FastifyInstance): void {
  // Logging off (`logger: false` gives a logger without a level; LOG_LEVEL=silent): no hooks at all.
  const level = (app.log as { level?: string }).level;
  if (level === undefined || level === 'silent') return;
  app.addHook('onRequest', (request, _reply, done) => {
    request.log.debug({ req: request }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
