import { KopitraError } from '@kopitra/protocol';
import { findIdempotencyRecord, isUniqueViolation, saveIdempotencyRecord, type Db, type Queryable } from '@kopitra/store';

export interface Answer<B = unknown> {
  status: number;
  body: B;
}

export interface IdempotentResult<B, X> extends Answer<B> {
  replayed: boolean;
  /** What the work reported beside its answer (not stored; absent on a replay). */
  extra: X | undefined;
}

/**
 * Runs a POST's effect exactly once per (account, Idempotency-Key): the effect and its first
 * answer commit in one transaction; a repeat with the same body gets that answer again, with a
 * different body `409 idempotency_key_reused`. Concurrent repeats wait for the first (in this
 * process through the in-flight map, across processes on the row or the account lock).
 */
export class IdempotentRunner {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Db) {}

  async run<L, B, X = undefined>(
    scope: { accountId: string; key: string; requestHash: string },
    lock: (q: Queryable) => Promise<L>,
    work: (q: Queryable, locked: L) => Promise<Answer<B> & { extra?: X }>,
  ): Promise<IdempotentResult<B, X>> {
    const k = `${scope.accountId}\u0000${scope.key}`;
    const earlier = this.inflight.get(k);
    if (earlier) await earlier.catch(() => {});
    const p = this.attempt(scope, lock, work);
    this.inflight.set(k, p);
    try {
      return await p;
    } finally {
      if (this.inflight.get(k) === p) this.inflight.delete(k);
    }
  }

  private async attempt<L, B, X>(
    scope: { accountId: string; key: string; requestHash: string },
    lock: (q: Queryable) => Promise<L>,
    work: (q: Queryable, locked: L) => Promise<Answer<B> & { extra?: X }>,
  ): Promise<IdempotentResult<B, X>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.tx(async (q) => {
          const locked = await lock(q);
          const rec = await findIdempotencyRecord(q, scope.accountId, scope.key);
          if (rec) {
            if (rec.requestHash !== scope.requestHash) {
              throw new KopitraError('idempotency_key_reused', 'this Idempotency-Key was used before with a different request');
            }
            return { status: rec.status, body: rec.response as B, replayed: true, extra: undefined };
          }
          const answer = await work(q, locked);
          await saveIdempotencyRecord(q, scope.accountId, scope.key, { requestHash: scope.requestHash, status: answer.status, response: answer.body });
          return { status: answer.status, body: answer.body, replayed: false, extra: answer.extra };
        });
      } catch (e) {
        // Another process committed the same key between our look-up and our insert: replay it.
        if (isUniqueViolation(e) && attempt === 0) continue;
        throw e;
      }
    }
  }
}
