import { errorCodeOf, retryAfterMs, type HttpOutcome } from './http-client';

/** What to do with a message after one delivery attempt. */
export type DeliveryVerdict =
  | { verdict: 'acknowledged' }
  | { verdict: 'dead_letter'; reason: string }
  | { verdict: 'retry'; reason: string; retryAfterMs?: number };

/**
 * 2xx: delivered. Network errors, 5xx, 408, 429 and `409 request_in_progress` are transient:
 * the same message (same key, same bytes) is tried again. Any other 4xx is a definitive answer
 * that repeating cannot change: the message goes to the dead-letter file with that answer.
 */
export function judgeDelivery(outcome: HttpOutcome, now: number): DeliveryVerdict {
  if (outcome.kind === 'network_error') return { verdict: 'retry', reason: `network:${outcome.code}` };
  const { status } = outcome;
  if (status >= 200 && status < 300) return { verdict: 'acknowledged' };
  const code = errorCodeOf(outcome.body);
  const reason = `${status}${code ? ' ' + code : ''}`;
  const retryable = status >= 500 || status === 408 || status === 429 || (status === 409 && code === 'request_in_progress');
  if (retryable) {
    const after = retryAfterMs(outcome.headers, now);
    return after === undefined ? { verdict: 'retry', reason } : { verdict: 'retry', reason, retryAfterMs: after };
  }
  if (status >= 400 && status < 500) return { verdict: 'dead_letter', reason };
  // 1xx/3xx should never reach an EA; treat as transient rather than lose the message.
  return { verdict: 'retry', reason };
}

export interface BackoffOptions {
  /** First delay. Default 250 ms. */
  baseMs?: number;
  /** Ceiling. Default 30 000 ms: after many failures the outbox keeps waiting at this pace, it never drops. */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay plus a random half, so
 * a fleet of EAs reconnecting after an outage spreads out. `random` returns [0, 1).
 * A server's Retry-After is honoured exactly (it already spreads clients out).
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}, retryAfter?: number): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 30));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return retryAfter ?? jittered;
}
