import pg from 'pg';
import { DatabaseUnavailableError, isConnectionError, type Db, type Queryable, type QueryResult } from './db';

// int8 and numeric come back as JS numbers: every value we keep in them fits a double exactly
// (sequences, counters) or is re-rounded to its step by the engine (volumes).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  /** How long a request waits for a connection before the database counts as unavailable. */
  connectTimeoutMs?: number;
  /** Session settings for every connection (`-c name=value …`, the libpq `options` parameter). */
  sessionOptions?: string;
}

/**
 * Statements with parameters run as named prepared statements: PostgreSQL parses and plans each
 * text once per connection instead of on every call (the copy path's write statement spent more
 * time in parse + plan than in execution). Our statement texts are constants; the cap keeps a
 * caller that builds texts dynamically from growing every connection's statement cache.
 */
const MAX_PREPARED = 400;
const preparedNames = new Map<string, string>();
let namesGiven = 0;
function statement(text: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params || params.length === 0) return { text };
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `k${namesGiven++}`;
    preparedNames.set(text, name);
  }
  return { text, values: params as unknown[], ...(name ? { name } : {}) };
}

/**
 * A migration changed the columns a prepared statement returns (`SELECT *` after ADD COLUMN):
 * PostgreSQL refuses that statement on every connection that prepared it until it is prepared
 * anew. The text gets a new name, so each connection prepares it again on its next use.
 */
function isStalePreparedStatement(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '0A000' && /cached plan must not change result type/.test(String((e as Error).message));
}

/** Adds session settings to a connection string (after any the operator put there). */
export function withSessionOptions(connectionString: string, sessionOptions: string | undefined): string {
  if (!sessionOptions) return connectionString;
  const url = new URL(connectionString);
  const existing = url.searchParams.get('options');
  url.searchParams.set('options', existing ? `${sessionOptions} ${existing}` : sessionOptions);
  return url.toString();
}

/** The client's socket (node-postgres keeps it as `connection.stream`), to cork around statements sent together. */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: { cork?: unknown; uncork?: unknown } } }).connection?.stream;
  return stream && typeof stream.cork === 'function' && typeof stream.uncork === 'function' ? (stream as { cork(): void; uncork(): void }) : undefined;
}

function wrap(e: unknown): never {
  throw isConnectionError(e) ? new DatabaseUnavailableError(e) : e;
}

export async function openPgDb(options: PgDbOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: withSessionOptions(options.connectionString, options.sessionOptions),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // Statements are written as soon as they are issued, not one round trip after another.
    pipeline: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});


  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | null = null;
  let listenConnecting: Promise<void> | null = null;
  let closed = false;

  async function connectListener(): Promise<void> {
    if (listenClient || closed) return;
    if (listenConnecting) return listenConnecting;
    listenConnecting = (async () => {
      const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true, connectionTimeoutMillis: options.connectTimeoutMs ?? 2000 });
      client.on('notification', (msg) => {
        for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      client.on('error', () => {
        // Lost the LISTEN connection: drop it and reconnect; waiters fall back to polling meanwhile.
        if (listenClient === client) listenClient = null;
        client.end().catch(() => {});
        scheduleReconnect();
      });
      await client.connect();
      for (const channel of listeners.keys()) await client.query(`LISTEN "${channel}"`);
      listenClient = client;
    })().finally(() => {
      listenConnecting = null;
    });
    return listenConnecting;
  }

  let reconnectTimer: NodeJS.Timeout | null = null;
  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connectListener().catch(() => scheduleReconnect());
    }, 500);
    reconnectTimer.unref();
  }

  const q = async <R>(runner: Queryable | pg.Pool, text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    try {
      const r = await (runner as pg.Pool).query(statement(text, params));
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    } catch (e) {
      if (!isStalePreparedStatement(e)) return wrap(e);
      preparedNames.delete(text);
      // Outside a transaction nothing was done: once more under the new name.
      const r = await (runner as pg.Pool).query(statement(text, params)).catch(wrap);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    }
  };

  return {
    kind: 'postgres',
    query: (text, params) => q(pool, text, params),
    async tx(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        return wrap(e);
      }
      let broken = false;
      const run = async (text: string, params?: readonly unknown[]): Promise<QueryResult<never>> => {
        try {
          const r = await client.query(statement(text, params));
          return { rows: r.rows as never[], rowCount: r.rowCount ?? 0 };
        } catch (e) {
          if (isConnectionError(e)) broken = true;
          // The transaction is lost; the caller's retry prepares the statement anew.
          if (isStalePreparedStatement(e)) preparedNames.delete(text);
          return wrap(e);
        }
      };
      // Every statement of the transaction in the order written; each is checked before COMMIT
      // counts, whether or not fn waited for it.
      const issued: Array<Promise<unknown>> = [];
      const issue = <R>(p: Promise<R>): Promise<R> => {
        issued.push(p);
        p.catch(() => {});
        return p;
      };
      try {
        // Statements issued together leave in one write (the socket corked meanwhile): each write
        // wakes the PostgreSQL backend, which on a busy machine takes the core from the gateway.
        // At 500 signals/s the gateway was preempted 2.9 → 2.0 times per signal (session 8).
        const stream = socketOf(client);
        const together = <R>(write: () => R): R => {
          stream?.cork();
          try {
            return write();
          } finally {
            stream?.uncork();
          }
        };
        const atCommit: Array<[string, readonly unknown[] | undefined]> = [];
        // Written right behind the statements fn did not wait for (one round trip for both). If
        // one of them failed, PostgreSQL ends the transaction with a rollback instead.
        let commit: Promise<pg.QueryResult> | null = null;
        const sendCommit = () => {
          if (commit) return;
          commit = together(() => {
            for (const [text, params] of atCommit) issue(run(text, params));
            return client.query('COMMIT');
          });
          commit.catch(() => {});
        };
        const open = () => {
          if (commit) throw new Error('no statement after commitNow()');
        };
        const result = await together(() => {
          // Not awaited: BEGIN goes out in one round trip with the transaction's first statements.
          issue(run('BEGIN'));
          return fn({
            query: (text, params) => { open(); return issue(run(text, params)); },
            send: (text, params) => { open(); void issue(run(text, params)); },
            sendWithCommit: (text, params) => { open(); atCommit.push([text, params]); },
            commitNow: sendCommit,
          });
        });
        sendCommit();
        for (const p of issued) await p;
        const ended = await commit!;
        if (ended.command !== 'COMMIT') throw new Error(`the transaction ended with ${ended.command}, not COMMIT`);
        return result;
      } catch (e) {
        // Behind every statement still in flight: once it is answered, all of them are.
        if (!broken) await client.query('ROLLBACK').catch(() => { broken = true; });
        if (isConnectionError(e)) broken = true;
        throw isConnectionError(e) ? new DatabaseUnavailableError(e) : e;
      } finally {
        client.release(broken);
      }
    },
    async exec(sql) {
      await q(pool, sql);
    },
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      const fresh = !set;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(onPayload);
      try {
        if (!listenClient) await connectListener();
        else if (fresh) await listenClient.query(`LISTEN "${channel}"`);
      } catch {
        scheduleReconnect();
      }
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await listenClient?.end().catch(() => {});
      await pool.end();
    },
  };
}
