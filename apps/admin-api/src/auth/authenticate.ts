import type { FastifyRequest } from 'fastify';
import { KopitraError } from '@kopitra/protocol';
import type { Db } from '@kopitra/store';
import { getOperator, type OperatorRole } from '../store';
import { verifyToken } from './jwt';
import type { OidcVerifier } from './oidc-verifier';
import { recordOidcSignIn } from './sign-in-audit';

/** Who may call a route: `public` (sign-in only) or the least role that may. Unset means admin. */
export type AdminAccess = 'public' | OperatorRole;

declare module 'fastify' {
  interface FastifyContextConfig {
    adminAccess?: AdminAccess;
    /** Also accept the token as `?access_token=` (EventSource cannot set headers). */
    tokenInQuery?: boolean;
  }
}

/** viewer < operator < admin: each role may do everything of the ones before it. */
export const ROLE_RANK: Record<OperatorRole, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Principal {
  id: string;
  email: string;
  role: OperatorRole;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** The signed-in operator of a request that passed the access check. */
export function principalOf(request: FastifyRequest): Principal {
  const p = principals.get(request);
  if (!p) throw new KopitraError('unauthenticated', 'sign in first');
  return p;
}

export interface Authenticator {
  /** Authenticates the request and checks its role against the route's access; throws 401 / 403. */
  check(request: FastifyRequest, access: OperatorRole): Promise<Principal>;
  /** Forgets a cached operator (after its role or disabled flag changed here). */
  forget(operatorId: string): void;
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? match[1]! : null;
  }
  if (request.routeOptions.config.tokenInQuery) {
    const q = (request.query as { access_token?: unknown } | undefined)?.access_token;
    return typeof q === 'string' && q.length > 0 && q.length < 8192 ? q : null;
  }
  return null;
}

/**
 * Bearer tokens are checked on every request, and so is the operator behind them: a disabled
 * operator is locked out and a changed role applies within `cacheMs`, whatever the token says.
 * Where an OpenID Connect issuer is configured, its JWTs are accepted too (identity `tid`/`oid`,
 * role from the mapped claim). Every refusal is logged as `auth.refused`.
 */
export function createAuthenticator(options: { db: Db; key: Buffer; cacheMs: number; now: () => number; oidc?: OidcVerifier | null }): Authenticator {
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  /** Tokens already recorded as an OIDC sign-in (one audit row per token, not per request). */
  const signedIn = new Map<string, number>();

  async function lookup(id: string): Promise<Principal | null> {
    const t = options.now();
    const hit = cache.get(id);
    if (hit && hit.until > t) return hit.principal;
    const op = await getOperator(options.db, id);
    const principal = op && !op.disabled ? { id: op.id, email: op.email, role: op.role } : null;
    if (options.cacheMs > 0) {
      if (cache.size > 10_000) cache.clear();
      cache.set(id, { principal, until: t + options.cacheMs });
    }
    return principal;
  }

  async function viaOidc(request: FastifyRequest, token: string, verifier: OidcVerifier): Promise<Principal> {
    const result = await verifier.verify(token);
    if (!result.ok) {
      throw result.status === 403
        ? new KopitraError('forbidden', 'your identity provider grants no Kopitra role')
        : new KopitraError('unauthenticated', 'the token is invalid or expired');
    }
    const { identity } = result;
    const key = `${identity.id}\u0000${identity.issuedAt ?? token.slice(-16)}`;
    if (!signedIn.has(key)) {
      if (signedIn.size > 10_000) signedIn.clear();
      signedIn.set(key, options.now());
      await recordOidcSignIn(options.db, request, identity, new Date(options.now()));
    }
    return { id: identity.id, email: identity.name ?? identity.oid, role: identity.role };
  }

  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const token = bearerOf(request);
    if (!token) throw new KopitraError('unauthenticated', 'an Authorization: Bearer <token> header is required');
    const claims = verifyToken(options.key, token, options.now());
    if (claims) {
      const principal = await lookup(claims.sub);
      if (!principal) throw new KopitraError('unauthenticated', 'the operator of this token is disabled or gone');
      return principal;
    }
    if (options.oidc) return viaOidc(request, token, options.oidc);
    throw new KopitraError('unauthenticated', 'the token is invalid or expired');
  }

  return {
    async check(request, access) {
      let principal: Principal | undefined;
      try {
        principal = await authenticate(request);
        if (ROLE_RANK[principal.role] < ROLE_RANK[access]) {
          throw new KopitraError('forbidden', `this needs the ${access} role; you are ${principal.role}`);
        }
      } catch (e) {
        if (e instanceof KopitraError) {
          request.log.warn({
            event: 'auth.refused', code: e.code, method: request.method, route: request.routeOptions.url ?? null, ip: request.ip,
            operatorId: principal?.id ?? null, role: principal?.role ?? null, needs: access,
          }, `refused: ${e.message}`);
        }
        throw e;
      }
      principals.set(request, principal);
      return principal;
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
