import type { FastifyRequest } from 'fastify';
import { KopitraError } from '@kopitra/protocol';
import type { Db } from '@kopitra/store';
import { getOperator, type OperatorRole } from '../store';
import { verifyToken } from './jwt';

/** Who may call a route: `public` (sign-in only) or the least role that may. Unset means admin. */
export type AdminAccess = 'public' | OperatorRole;

declare module 'fastify' {
  interface FastifyContextConfig {
    adminAccess?: AdminAccess;
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

/**
 * Bearer tokens are checked on every request, and so is the operator behind them: a disabled
 * operator is locked out and a changed role applies within `cacheMs`, whatever the token says.
 */
export function createAuthenticator(options: { db: Db; key: Buffer; cacheMs: number; now: () => number }): Authenticator {
  const cache = new Map<string, { principal: Principal | null; until: number }>();

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

  return {
    async check(request, access) {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match) throw new KopitraError('unauthenticated', 'an Authorization: Bearer <token> header is required');
      const claims = verifyToken(options.key, match[1]!, options.now());
      if (!claims) throw new KopitraError('unauthenticated', 'the token is invalid or expired');
      const principal = await lookup(claims.sub);
      if (!principal) throw new KopitraError('unauthenticated', 'the operator of this token is disabled or gone');
      if (ROLE_RANK[principal.role] < ROLE_RANK[access]) {
        throw new KopitraError('forbidden', `this needs the ${access} role; you are ${principal.role}`);
      }
      principals.set(request, principal);
      return principal;
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
