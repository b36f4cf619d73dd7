import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { OidcConfig, OidcRole } from '../config';

/** Asymmetric algorithms only: `none` and the HS* family (key confusion with a public key) never pass. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const RANK: Record<OidcRole, number> = { viewer: 0, operator: 1, admin: 2 };

export interface OidcIdentity {
  /** `oidc:<tid>:<oid>` — the stable identity (Entra object id within its tenant); never the email. */
  id: string;
  tid: string | null;
  oid: string;
  /** For display and logs only. */
  name: string | null;
  role: OidcRole;
  issuedAt: number | null;
}

export type OidcResult =
  | { ok: true; identity: OidcIdentity }
  | { ok: false; status: 401 | 403; reason: string };

export interface OidcVerifier {
  verify(token: string): Promise<OidcResult>;
}

/** The most privileged of our roles the token's role claim maps to, or null. */
export function mapRoles(claim: unknown, roleMap: Record<string, OidcRole>): OidcRole | null {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  let best: OidcRole | null = null;
  for (const n of names) {
    const role = typeof n === 'string' && Object.hasOwn(roleMap, n) ? roleMap[n] : undefined;
    if (role && (best === null || RANK[role] > RANK[best])) best = role;
  }
  return best;
}

/**
 * Verifies an issuer's JWT against its JWKS (fetched and cached by jose, refreshed when an
 * unknown `kid` appears): signature, `iss`, `aud`, `exp`/`nbf` with a small leeway, the tenant
 * when configured. The role comes from the configured claim through the role map only.
 */
export function createOidcVerifier(config: OidcConfig, now: () => number, options: { jwks?: Parameters<typeof jwtVerify>[1] } = {}): OidcVerifier {
  const jwks = options.jwks ?? createRemoteJWKSet(new URL(config.jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 3_600_000, timeoutDuration: 5_000 });
  return {
    async verify(token) {
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { ok: false, status: 401, reason: 'malformed token' };
      }
      if (typeof alg !== 'string' || !OIDC_ALGORITHMS.includes(alg)) return { ok: false, status: 401, reason: `algorithm ${String(alg)} is not accepted` };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks as Parameters<typeof jwtVerify>[1] & object, {
          issuer: config.issuer, audience: config.audience, algorithms: OIDC_ALGORITHMS,
          currentDate: new Date(now()), clockTolerance: 30, requiredClaims: ['exp'],
        }));
      } catch (e) {
        const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : 'ERR_JWT_INVALID';
        return { ok: false, status: 401, reason: code };
      }
      const tid = typeof payload.tid === 'string' ? payload.tid : null;
      const oid = typeof payload.oid === 'string' ? payload.oid : typeof payload.sub === 'string' ? payload.sub : null;
      if (!oid) return { ok: false, status: 401, reason: 'token has no oid/sub' };
      if (config.tenantId !== null && tid !== config.tenantId) return { ok: false, status: 401, reason: 'token of another tenant' };
      const role = mapRoles(payload[config.roleClaim], config.roleMap);
      if (!role) return { ok: false, status: 403, reason: `no role in claim "${config.roleClaim}" maps to a Kopitra role` };
      const name = typeof payload.name === 'string' ? payload.name : typeof payload.preferred_username === 'string' ? payload.preferred_username : null;
      return { ok: true, identity: { id: `oidc:${tid ?? '-'}:${oid}`, tid, oid, name, role, issuedAt: typeof payload.iat === 'number' ? payload.iat : null } };
    },
  };
}
