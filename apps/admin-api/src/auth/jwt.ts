import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OperatorRole } from '../store';

/** Sign-in tokens: compact JWS, HS256, nothing else accepted. */

export interface TokenClaims {
  sub: string;
  role: OperatorRole;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function signToken(key: Buffer, claims: TokenClaims): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(key, body).toString('base64url')}`;
}

/** The claims of a well-formed, correctly signed, unexpired token; null for anything else. */
export function verifyToken(key: Buffer, token: string, nowMs: number): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  // The algorithm is fixed here, never taken from the token (no `alg: none`, no key confusion).
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') return null;
  const expected = sign(key, `${h}.${p}`);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (typeof claims !== 'object' || claims === null) return null;
  const c = claims as Partial<TokenClaims>;
  if (typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number' || typeof c.role !== 'string') return null;
  if (c.exp * 1000 <= nowMs) return null;
  return c as TokenClaims;
}
