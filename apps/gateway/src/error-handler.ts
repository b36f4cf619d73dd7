import type { FastifyError, FastifyInstance } from 'fastify';
import { isKopitraError, KopitraError } from '@kopitra/protocol';
import { isConnectionError } from '@kopitra/store';

/** Maps every failure to the contract's error shape, once, at the edge. 5xx never show internals. */
export function toKopitraError(err: unknown): KopitraError {
  if (isKopitraError(err)) return err;
  if (isConnectionError(err)) return new KopitraError('unavailable', 'the database is unavailable; retry later', { retryAfterSeconds: 1 });
  const e = err as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KopitraError('payload_too_large', 'body over 64 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KopitraError(e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'invalid_payload', e.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KopitraError('invalid_payload', 'body is not valid JSON');
    case 'FST_ERR_VALIDATION': {
      const v = e.validation?.[0];
      const field = v ? `${(v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (v.params as { missingProperty?: string })?.missingProperty || e.validationContext}` : '';
      return new KopitraError('invalid_payload', `${e.validationContext ?? 'request'} ${field}: ${v?.message ?? e.message}`.trim());
    }
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new KopitraError('payload_too_large', 'body over 64 KiB');
    if (e.statusCode === 415) return new KopitraError('unsupported_media_type', 'Content-Type must be application/json');
    if (e.statusCode === 404) return new KopitraError('not_found', 'not found');
    return new KopitraError('invalid_payload', e.message);
  }
  return new KopitraError('internal_error', 'internal error');
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const k = toKopitraError(err);
    if (k.status >= 500) req.log.error({ err }, 'request failed');
    if (k.retryAfterSeconds !== undefined) reply.header('Retry-After', String(k.retryAfterSeconds));
    return reply.status(k.status).send(k.toBody());
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(new KopitraError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`).toBody()),
  );
}
