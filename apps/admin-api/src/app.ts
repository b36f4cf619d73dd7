import { answerFrameworkError } from '@kopitra/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { ADMIN_LOG_REDACT, adminApiPlugin, type AdminApiDeps } from './plugin';

export const ADMIN_PREFIX = '/admin/v1';

/** A standalone instance with the management API at /admin/v1 (tests, `server.ts`). */
export async function buildAdminApp(deps: AdminApiDeps): Promise<FastifyInstance> {
  const app = deps.logger
    ? Fastify({ loggerInstance: deps.logger, frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply) })
    : Fastify({ logger: false, frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply) });
  await app.register(adminApiPlugin, { prefix: ADMIN_PREFIX, ...deps });
  await app.ready();
  return app;
}

/** pino options for a standalone server: redaction of every secret-bearing path. */
export function adminLoggerOptions(level: string): { level: string; redact: { paths: string[]; censor: string } } {
  return { level, redact: { paths: ADMIN_LOG_REDACT, censor: '[redacted]' } };
}
