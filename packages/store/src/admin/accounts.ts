import { KopitraError } from '@kopitra/protocol';
import type { Queryable } from '../db';
import { newId } from '../ids';
import { appendAuditLog } from './audit-log';
import { iso, isoRequired } from './iso';
import { notifyCache } from './notify-cache';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from './page';

export type AccountRole = 'master' | 'follower';
export type AccountPlatform = 'mt4' | 'mt5';
export type AccountStatus = 'active' | 'disabled';

/** The account's own fields, as stored and as audited. */
export interface Account {
  id: string;
  name: string;
  role: AccountRole;
  platform: AccountPlatform;
  broker: { name: string; server: string };
  login: string;
  status: AccountStatus;
  symbolPrefix: string;
  symbolSuffix: string;
  createdAt: string;
  updatedAt: string;
}

export interface CredentialInfo {
  keyId: string;
  createdAt: string;
  revokedAt: string | null;
}

/** The account as the API shows it: its fields plus what the EA last reported and what hangs off it. */
export interface AccountView extends Account {
  connectivity: { online: boolean; lastHeartbeatAt: string | null };
  balance: number | null;
  equity: number | null;
  currency: string | null;
  subscriptions: string[];
  credentials: CredentialInfo[];
}

export interface ViewOptions {
  /** An account is online when its last heartbeat is at most this old. */
  onlineWindowMs: number;
  now?: Date;
}

interface AccountRow {
  id: string; name: string; role: AccountRole; platform: AccountPlatform; broker_name: string; broker_server: string;
  login: string; status: AccountStatus; symbol_prefix: string; symbol_suffix: string; created_at: Date; updated_at: Date;
}

interface AccountViewRow extends AccountRow {
  balance: number | null; equity: number | null; currency: string | null; last_heartbeat_at: Date | null;
}

function toAccount(r: AccountRow): Account {
  return {
    id: r.id, name: r.name, role: r.role, platform: r.platform, broker: { name: r.broker_name, server: r.broker_server },
    login: r.login, status: r.status, symbolPrefix: r.symbol_prefix, symbolSuffix: r.symbol_suffix,
    createdAt: isoRequired(r.created_at), updatedAt: isoRequired(r.updated_at),
  };
}

const VIEW_SELECT = `SELECT a.*, s.balance, s.equity, s.currency, s.last_heartbeat_at
  FROM accounts a LEFT JOIN account_state s ON s.account_id = a.id`;

/** Builds views for a batch of accounts with two extra queries, whatever the batch size. */
async function toViews(q: Queryable, rows: AccountViewRow[], options: ViewOptions): Promise<AccountView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const subs = await q.query<{ id: string; master_account_id: string; follower_account_id: string }>(
    `SELECT id, master_account_id, follower_account_id FROM subscriptions
     WHERE deleted_at IS NULL AND (master_account_id = ANY($1::text[]) OR follower_account_id = ANY($1::text[])) ORDER BY id`,
    [ids],
  );
  const creds = await q.query<{ key_id: string; account_id: string; created_at: Date; revoked_at: Date | null }>(
    `SELECT key_id, account_id, created_at, revoked_at FROM ea_credentials WHERE account_id = ANY($1::text[]) ORDER BY created_at, key_id`,
    [ids],
  );
  const now = (options.now ?? new Date()).getTime();
  return rows.map((r) => {
    const hb = r.last_heartbeat_at ? new Date(r.last_heartbeat_at) : null;
    return {
      ...toAccount(r),
      connectivity: { online: hb !== null && now - hb.getTime() <= options.onlineWindowMs, lastHeartbeatAt: hb ? hb.toISOString() : null },
      balance: r.balance ?? null,
      equity: r.equity ?? null,
      currency: r.currency ?? null,
      subscriptions: subs.rows.filter((s) => s.master_account_id === r.id || s.follower_account_id === r.id).map((s) => s.id),
      credentials: creds.rows.filter((c) => c.account_id === r.id)
        .map((c) => ({ keyId: c.key_id, createdAt: isoRequired(c.created_at), revokedAt: iso(c.revoked_at) })),
    };
  });
}

export async function getAccount(q: Queryable, id: string): Promise<Account | null> {
  const { rows } = await q.query<AccountRow>('SELECT * FROM accounts WHERE id = $1', [id]);
  return rows[0] ? toAccount(rows[0]) : null;
}

export async function getAccountView(q: Queryable, id: string, options: ViewOptions): Promise<AccountView | null> {
  const { rows } = await q.query<AccountViewRow>(`${VIEW_SELECT} WHERE a.id = $1`, [id]);
  return (await toViews(q, rows, options))[0] ?? null;
}

export interface AccountFilter {
  role?: AccountRole | undefined;
  status?: AccountStatus | undefined;
}

export async function listAccountViews(q: Queryable, filter: AccountFilter, page: PageRequest, options: ViewOptions): Promise<Page<AccountView>> {
  const after = decodeCursor(page.cursor);
  const { rows } = await q.query<AccountViewRow>(
    `${VIEW_SELECT} WHERE ($1::text IS NULL OR a.id > $1) AND ($2::text IS NULL OR a.role = $2) AND ($3::text IS NULL OR a.status = $3)
     ORDER BY a.id LIMIT $4`,
    [after, filter.role ?? null, filter.status ?? null, page.limit + 1],
  );
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  return { items: await toViews(q, kept, options), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.id) : null };
}

export interface NewAccount {
  name: string;
  role: AccountRole;
  platform: AccountPlatform;
  broker: { name: string; server: string };
  login: string;
  symbolPrefix?: string | undefined;
  symbolSuffix?: string | undefined;
}

export async function createAccount(q: Queryable, actor: string, input: NewAccount): Promise<Account> {
  const id = newId('acc');
  const { rows } = await q.query<AccountRow>(
    `INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login, symbol_prefix, symbol_suffix)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [id, input.name, input.role, input.platform, input.broker.name, input.broker.server, input.login, input.symbolPrefix ?? '', input.symbolSuffix ?? ''],
  );
  const account = toAccount(rows[0]!);
  await appendAuditLog(q, { actor, action: 'account.create', target: id, before: null, after: account });
  return account;
}

export interface AccountPatch {
  name?: string | undefined;
  broker?: { name: string; server: string } | undefined;
  login?: string | undefined;
  status?: AccountStatus | undefined;
  symbolPrefix?: string | undefined;
  symbolSuffix?: string | undefined;
}

/** Updates an account; the gateway is told (`account:<id>`) so a disable takes effect at once. */
export async function updateAccount(q: Queryable, actor: string, id: string, patch: AccountPatch): Promise<Account> {
  const { rows } = await q.query<AccountRow>('SELECT * FROM accounts WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]) throw new KopitraError('not_found', `account ${id} not found`);
  const before = toAccount(rows[0]);
  const next = {
    name: patch.name ?? before.name,
    brokerName: patch.broker?.name ?? before.broker.name,
    brokerServer: patch.broker?.server ?? before.broker.server,
    login: patch.login ?? before.login,
    status: patch.status ?? before.status,
    symbolPrefix: patch.symbolPrefix ?? before.symbolPrefix,
    symbolSuffix: patch.symbolSuffix ?? before.symbolSuffix,
  };
  if (next.name === before.name && next.brokerName === before.broker.name && next.brokerServer === before.broker.server
    && next.login === before.login && next.status === before.status
    && next.symbolPrefix === before.symbolPrefix && next.symbolSuffix === before.symbolSuffix) return before;
  const updated = await q.query<AccountRow>(
    `UPDATE accounts SET name = $2, broker_name = $3, broker_server = $4, login = $5, status = $6,
       symbol_prefix = $7, symbol_suffix = $8, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, next.name, next.brokerName, next.brokerServer, next.login, next.status, next.symbolPrefix, next.symbolSuffix],
  );
  const after = toAccount(updated.rows[0]!);
  await appendAuditLog(q, { actor, action: 'account.update', target: id, before, after });
  await notifyCache(q, 'account', id);
  return after;
}
