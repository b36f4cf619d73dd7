import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Paths pino must never print: credentials, tokens, passwords, signatures and EA secrets —
 * in request headers, bodies and any object logged beside them.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-kopitra-signature"]', 'req.headers["set-cookie"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers["x-kopitra-signature"]',
  'password', 'secret', 'token', 'accessToken', 'access_token', 'idToken', 'signature', 'passwordHash', 'secretSealed', 'connectionString',
  '*.password', '*.secret', '*.token', '*.accessToken', '*.access_token', '*.idToken', '*.signature', '*.passwordHash',
  '*.secretSealed', '*.connectionString',
];

export interface LoggerOptions {
  level: string;
  base: { service: string };
  redact: { paths: string[]; censor: string };
  serializers: { req(req: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> };
}

/** A URL with credential-bearing query parameters (`?access_token=` of the event stream) censored. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|token|code|id_token)=)[^&#]*/gi, '$1[redacted]');
}

/** pino options of a Kopitra service: JSON lines, the service name on each, secrets redacted — also in request URLs. */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level, base: { service }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    serializers: {
      req: (req) => ({ method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
    },
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Fastify server options for request ids: a caller's `X-Request-Id` is kept when it is a sane
 * token (so a trace crosses services), otherwise a fresh UUID; either way it is on every log line
 * of the request as `reqId`.
 */
export const requestIdOptions = {
  requestIdHeader: false as const,
  genReqId(req: IncomingMessage): string {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  },
};
