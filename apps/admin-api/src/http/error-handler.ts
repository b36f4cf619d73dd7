import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, KopitraError, errorBody, type ErrorCode } from '@kopitra/protocol';
import { DatabaseUnavailableError } from '@kopitra/store';

/** Fastify's own failures that are the client's fault, by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_payload',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_payload',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_payload',
  FST_ERR_VALIDATION: 'invalid_payload',
};

/** The one place errors become HTTP: contract errors keep their code, anything unexpected is a bare 500. */
export function adminErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof KopitraError) {
    if (error.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(error.retryAfterSeconds));
    return reply.status(error.status).send(error.toBody());
  }
  if (error instanceof DatabaseUnavailableError) {
    request.log.warn({ err: error }, 'database unavailable');
    return reply.status(ERROR_STATUS.unavailable).header('Retry-After', '1').send(errorBody('unavailable', 'the database is unavailable, try again'));
  }
  const code = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (code) return reply.status(ERROR_STATUS[code]).send(errorBody(code, error.message));
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return reply.status(400).send(errorBody('invalid_payload', error.message));
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send(errorBody('internal_error', 'internal error'));
}
