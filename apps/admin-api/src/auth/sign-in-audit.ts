import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAuditLog, findOperatorByEmail, type Db } from '../store';

/**
 * Every sign-in attempt, successful or not, as a structured log line and an audit_log row:
 * local logins (by the answer of POST /auth/login) and OIDC sign-ins (the first request of each
 * token, recorded by the authenticator through `recordOidcSignIn`).
 */
export function installSignInAudit(app: FastifyInstance, deps: { db: Db; now: () => number }): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || !request.routeOptions.url?.endsWith('/auth/login')) return;
    const email = typeof (request.body as { email?: unknown } | undefined)?.email === 'string' ? (request.body as { email: string }).email : null;
    if (email === null) return; // malformed: no attempt at anybody
    const status = reply.statusCode;
    const outcome = status === 200 ? 'succeeded' : status === 429 ? 'throttled' : status === 401 ? 'failed' : null;
    if (outcome === null) return;
    const operator = outcome === 'succeeded' ? await findOperatorByEmail(deps.db, email) : null;
    logSignIn(request, { method: 'password', outcome, email, operatorId: operator?.id ?? null });
    try {
      await deps.db.tx((q) => appendAuditLog(q, {
        actor: operator?.id ?? 'anonymous', action: `auth.login.${outcome}`, target: operator ? `operator:${operator.id}` : `email:${email.toLowerCase()}`,
        before: null, after: { method: 'password', ip: request.ip },
      }, new Date(deps.now())));
    } catch (e) {
      request.log.error({ err: e, event: 'auth.sign_in_audit_failed' }, 'could not write the sign-in audit row');
    }
  });
}

export async function recordOidcSignIn(db: Db, request: FastifyRequest, identity: { id: string; tid: string | null; oid: string; role: string; name: string | null }, now: Date): Promise<void> {
  logSignIn(request, { method: 'oidc', outcome: 'succeeded', operatorId: identity.id, role: identity.role, tid: identity.tid, oid: identity.oid });
  await db.tx((q) => appendAuditLog(q, {
    actor: identity.id, action: 'auth.oidc.succeeded', target: `operator:${identity.id}`,
    before: null, after: { method: 'oidc', role: identity.role, tid: identity.tid, oid: identity.oid, name: identity.name, ip: request.ip },
  }, now));
}

function logSignIn(request: FastifyRequest, fields: Record<string, unknown>): void {
  const level = fields.outcome === 'succeeded' ? 'info' : 'warn';
  request.log[level]({ event: 'auth.sign_in', ip: request.ip, ...fields }, `sign-in ${String(fields.outcome)}`);
}
