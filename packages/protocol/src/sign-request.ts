import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';

/** The parts of a request that the v1 signature covers (ea-protocol-v1.md, "Canonical string"). */
export interface SignedParts {
  /** X-Kopitra-Timestamp: Unix milliseconds as a decimal string. */
  timestamp: string;
  method: string;
  /** Path including the query string exactly as sent. */
  path: string;
  /** Idempotency-Key, or '' (GET). */
  idempotencyKey: string;
  /** Raw body bytes; empty when there is no body. */
  body: Uint8Array | string;
}

export const SIGNATURE_PREFIX = 'v1=';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export function sha256Hex(body: Uint8Array | string): string {
  if (body.length === 0) return EMPTY_SHA256;
  return hash('sha256', body, 'hex');
}

/** Six lines joined by \n, no trailing newline. */
export function canonicalString(parts: SignedParts, bodySha256 = sha256Hex(parts.body)): string {
  return ['v1', parts.timestamp, parts.method.toUpperCase(), parts.path, parts.idempotencyKey, bodySha256].join('\n');
}

/** `v1=` + lowercase hex HMAC-SHA256 keyed by the secret's base64url text as raw bytes (no decoding). */
export function signRequest(secret: string, parts: SignedParts, bodySha256?: string): string {
  const mac = createHmac('sha256', secret).update(canonicalString(parts, bodySha256)).digest('hex');
  return SIGNATURE_PREFIX + mac;
}

/** Constant-time check of a presented signature header against the expected one. */
export function signatureMatches(secret: string, parts: SignedParts, presented: string, bodySha256?: string): boolean {
  if (!presented.startsWith(SIGNATURE_PREFIX) || presented.length !== SIGNATURE_PREFIX.length + 64) return false;
  const expected = Buffer.from(signRequest(secret, parts, bodySha256), 'latin1');
  const got = Buffer.from(presented, 'latin1');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
