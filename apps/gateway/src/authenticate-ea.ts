import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS, IDEMPOTENCY_KEY_PATTERN, KopitraError, signatureMatches } from '@kopitra/protocol';
import type { CredentialCache, VerifiedCredential } from './credential-cache';
import type { RateLimiter } from './rate-limiter';

declare module 'fastify' {
  interface FastifyRequest {
    ea?: VerifiedCredential;
    idempotencyKey?: string;
  }
}

export type EaRole = 'master' | 'follower' | 'any';

export interface EaAuthDeps {
  credentials: CredentialCache;
  limiter: RateLimiter;
  timestampWindowMs: number;
  now: () => number;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? undefined : v;
}

/**
 * Verifies an EA request in the contract's order: required headers (400), timestamp window,
 * key and signature (401), rate limit (429), role and account status (403).
 */
export function eaAuth(deps: EaAuthDeps, role: EaRole) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const keyId = header(req, HEADERS.keyId);
    if (!keyId || !KEY_ID_PATTERN.test(keyId)) throw new KopitraError('missing_header', 'X-Kopitra-Key-Id is missing or malformed');
    const ts = header(req, HEADERS.timestamp);
    if (!ts || !/^\d{1,16}$/.test(ts)) throw new KopitraError('missing_header', 'X-Kopitra-Timestamp is missing or not decimal Unix milliseconds');
    const signature = header(req, HEADERS.signature);
    if (!signature || !/^v1=[0-9a-f]{64}$/.test(signature)) throw new KopitraError('missing_header', "X-Kopitra-Signature is missing or not 'v1=' + 64 lowercase hex digits");
    const isPost = req.method === 'POST';
    let idempotencyKey = '';
    if (isPost) {
      idempotencyKey = header(req, HEADERS.idempotencyKey) ?? '';
      if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) throw new KopitraError('missing_header', 'Idempotency-Key is missing or not 1–128 characters of [A-Za-z0-9_.:-]');
      const ct = header(req, 'content-type') ?? '';
      if (!/^application\/json\b/i.test(ct)) throw new KopitraError('unsupported_media_type', 'Content-Type must be application/json');
    }

    if (Math.abs(deps.now() - Number(ts)) > deps.timestampWindowMs) throw new KopitraError('unauthenticated', 'timestamp outside the allowed window; check the terminal clock');
    const cred = await deps.credentials.get(keyId);
    if (!cred || (cred.invalidFromMs !== null && cred.invalidFromMs <= deps.now())) throw new KopitraError('unauthenticated', 'unknown or revoked key id');
    const body = req.rawBody ?? Buffer.alloc(0);
    const ok = signatureMatches(cred.secret, { timestamp: ts, method: req.method, path: req.url, idempotencyKey, body }, signature, req.rawBodySha256);
    if (!ok) throw new KopitraError('unauthenticated', 'signature does not match');

    const wait = deps.limiter.take(keyId);
    if (wait > 0) throw new KopitraError('rate_limited', 'too many requests for this key id', { retryAfterSeconds: wait });

    if (cred.accountStatus !== 'active') throw new KopitraError('forbidden', 'the account is disabled');
    if (role !== 'any' && cred.role !== role) throw new KopitraError('forbidden', `this endpoint is for ${role} EAs; the key belongs to a ${cred.role} account`);
    req.ea = cred;
    req.idempotencyKey = idempotencyKey;
    void reply;
  };
}
