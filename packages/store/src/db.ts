/**
 * One small database interface with two adapters — real PostgreSQL (`pg`) and embedded PGlite —
 * so every repository runs unchanged on both.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/**
 * A transaction's statements. On PostgreSQL they are pipelined: each is written to the connection
 * as soon as it is issued, so statements issued together (`Promise.all`) cost one round trip.
 */
export interface TxQueryable extends Queryable {
  /**
   * A write whose result the caller does not need: written now, behind everything issued before
   * it, and checked when the transaction commits — the commit goes out right behind it (one round
   * trip for both) and the transaction rejects with its error if it failed.
   */
  send(text: string, params?: readonly unknown[]): void;
  /**
   * The transaction's last write, as `send`, but held until fn returns and then written in one
   * packet with the COMMIT: PostgreSQL is woken once for both, not once each.
   */
  sendWithCommit(text: string, params?: readonly unknown[]): void;
  /**
   * Writes what `sendWithCommit` holds and the COMMIT now, without waiting for fn to return: fn
   * may go on with work of its own (a fan-out's thousand answers) while PostgreSQL commits, but
   * issues no further statement and must not fail. The transaction still resolves only once both
   * are done.
   */
  commitNow(): void;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: commit when it resolves, roll back when it throws. */
  tx<T>(fn: (q: TxQueryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by `;` (migrations). */
  exec(sql: string): Promise<void>;
  /** Subscribes to NOTIFY on a channel; resolves once listening. Returns an unsubscribe. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached: the edge maps it to 503 `unavailable`. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DatabaseUnavailableError';
    this.cause = cause;
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

/** True for errors that mean "the database is not there right now", not "the query was wrong". */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof DatabaseUnavailableError) return true;
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: string }).code;
  if (code && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(e.message);
}
