import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { EMAIL_PATTERN } from '../config';
import { principalOf } from '../auth/authenticate';
import { signToken } from '../auth/jwt';
import { dummyPasswordHash, verifyPassword } from '../auth/password-hash';
import { ErrorResponse, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import { findOperatorByEmail } from '../store';
import type { AdminContext } from './context';

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: EMAIL_PATTERN });
const Me = Type.Object({ id: Type.String(), email: Type.String(), role: Role });

export function registerAuthRoutes(app: TypedApp, ctx: AdminContext): void {
  app.post('/auth/login', {
    config: { adminAccess: 'public' },
    schema: {
      body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Timestamp, operator: Me }), 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
    },
  }, async (request) => {
    const { email, password } = request.body;
    const wait = ctx.throttle.retryAfterSeconds(email, request.ip);
    if (wait > 0) throw new KopitraError('rate_limited', 'too many failed sign-ins; try again later', { retryAfterSeconds: wait });
    const operator = await findOperatorByEmail(ctx.db, email);
    // Verify against a dummy hash when there is no such operator: same work, same answer.
    const matches = await verifyPassword(password, operator?.passwordHash ?? (await dummyPasswordHash()));
    if (!operator || !matches || operator.disabled) {
      ctx.throttle.recordFailure(email, request.ip);
      throw new KopitraError('unauthenticated', 'wrong email or password');
    }
    ctx.throttle.recordSuccess(email);
    const iat = Math.floor(ctx.now() / 1000);
    const exp = iat + ctx.config.tokenTtlSeconds;
    return {
      token: signToken(ctx.signingKey, { sub: operator.id, role: operator.role, iat, exp }),
      expiresAt: new Date(exp * 1000).toISOString(),
      operator: { id: operator.id, email: operator.email, role: operator.role },
    };
  });

  app.get('/auth/me', {
    config: { adminAccess: 'viewer' },
    schema: { response: { 200: Me, ...errors() } },
  }, async (request) => principalOf(request));
}
