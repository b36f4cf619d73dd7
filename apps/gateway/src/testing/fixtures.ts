import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { signRequest } from '@kopitra/protocol';
import { createSecretBox, newId, type Db, type SecretBox } from '@kopitra/store';
import { DEFAULT_SUBSCRIPTION_SETTINGS } from '@kopitra/engine';

/** The sealing key of the fixtures, base64 — what a spawned gateway needs as KOPITRA_SECRET_KEY. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** Test fixtures: accounts, credentials and subscriptions written straight to the real database. */
export const testSecretBox: SecretBox = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'base64'));

export interface TestCredential {
  accountId: string;
  keyId: string;
  secret: string;
}

export async function seedAccount(db: Db, role: 'master' | 'follower', opts: { prefix?: string; suffix?: string; name?: string } = {}): Promise<TestCredential> {
  const accountId = newId('acc');
  await db.query(
    `INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login, symbol_prefix, symbol_suffix)
     VALUES ($1, $2, $3, 'mt5', 'SimBroker', 'Sim-Demo', $4, $5, $6)`,
    [accountId, opts.name ?? `${role} ${accountId.slice(-4)}`, role, String(Math.floor(Math.random() * 1e8)), opts.prefix ?? '', opts.suffix ?? ''],
  );
  return { accountId, ...(await seedCredential(db, accountId)) };
}

export async function seedCredential(db: Db, accountId: string): Promise<{ keyId: string; secret: string }> {
  const keyId = `kid_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO ea_credentials (key_id, account_id, secret_sealed) VALUES ($1, $2, $3)', [keyId, accountId, testSecretBox.seal(secret)]);
  return { keyId, secret };
}

export const DEFAULT_SETTINGS = { sizing: { mode: 'multiplier', multiplier: 1 }, ...DEFAULT_SUBSCRIPTION_SETTINGS };

export async function seedSubscription(db: Db, masterAccountId: string, followerAccountId: string, settings: Record<string, unknown> = {}): Promise<string> {
  const id = newId('sub');
  const full = { ...DEFAULT_SETTINGS, ...settings };
  await db.query(
    `INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings, status) VALUES ($1, $2, $3, $4, $5)`,
    [id, masterAccountId, followerAccountId, JSON.stringify(full), full.status],
  );
  await db.query(`SELECT pg_notify('kopitra_cache', $1)`, [`subscription:${masterAccountId}`]);
  return id;
}

export interface SignedOptions {
  idempotencyKey?: string;
  timestamp?: number;
  contentType?: string | null;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  omit?: string[];
}

/** Sends an EA request exactly as an EA would: signed over the exact bytes and path. */
export function eaRequest(app: FastifyInstance, cred: { keyId: string; secret: string }, method: 'GET' | 'POST', path: string, body?: unknown, o: SignedOptions = {}): Promise<LightMyRequestResponse> {
  const raw = o.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
  const ts = String(o.timestamp ?? Date.now());
  const idem = method === 'POST' ? (o.idempotencyKey ?? `k-${randomBytes(6).toString('hex')}`) : '';
  const headers: Record<string, string> = {
    'x-kopitra-key-id': cred.keyId,
    'x-kopitra-timestamp': ts,
    'x-kopitra-signature': signRequest(cred.secret, { timestamp: ts, method, path, idempotencyKey: idem, body: Buffer.from(raw) }),
    ...(method === 'POST' ? { 'idempotency-key': idem } : {}),
    ...(method === 'POST' && o.contentType !== null ? { 'content-type': o.contentType ?? 'application/json' } : {}),
    ...o.headers,
  };
  for (const h of o.omit ?? []) delete headers[h];
  return app.inject({ method, url: path, headers, ...(method === 'POST' ? { payload: raw } : {}) });
}

export function snapshotBody(o: { balance?: number; equity?: number; positions?: unknown[]; symbols?: unknown[] } = {}) {
  return {
    kind: 'snapshot', sentAt: new Date().toISOString(),
    account: { balance: o.balance ?? 10_000, equity: o.equity ?? o.balance ?? 10_000, currency: 'USD', leverage: 100 },
    positions: o.positions ?? [], orders: [],
    symbols: o.symbols ?? [
      { name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100000, tickSize: 0.00001, tickValue: 1, digits: 5 },
      { name: 'GOLD', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
      { name: 'XAUUSD.m', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
    ],
  };
}

let seq = 0;
export function openedSignal(sequence: number, p: Partial<{ id: string; symbol: string; side: 'buy' | 'sell'; volume: number; price: number; sl: number | null; tp: number | null }> = {}) {
  return {
    sequence, type: 'position.opened', occurredAt: new Date().toISOString(),
    position: { id: p.id ?? `P${++seq}`, symbol: p.symbol ?? 'EURUSD', side: p.side ?? 'buy', volume: p.volume ?? 1, price: p.price ?? 1.085, sl: p.sl ?? null, tp: p.tp ?? null },
  };
}
