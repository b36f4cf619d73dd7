import { KopitraError } from '@kopitra/protocol';
import type { Queryable } from '../db';
import { newId } from '../ids';
import { appendAuditLog } from './audit-log';
import { iso, isoRequired, isUniqueViolation } from './iso';
import { notifyCache } from './notify-cache';
import { decodeCursor, toPage, type Page, type PageRequest } from './page';

export type SubscriptionStatus = 'active' | 'paused';

/**
 * The settings jsonb holds the full, normalised settings object of copy-semantics.md (everything
 * but the two account ids, which are columns). Its shape is owned by the management API's
 * `normaliseSubscriptionSettings`; here only `status` matters, mirrored into its column.
 */
export interface StoredSubscriptionSettings {
  status: SubscriptionStatus;
  [setting: string]: unknown;
}

export interface Subscription<S extends StoredSubscriptionSettings = StoredSubscriptionSettings> {
  id: string;
  masterAccountId: string;
  followerAccountId: string;
  settings: S;
  /** Why the platform paused it (e.g. `stop_out`); null when running or paused by an operator. */
  pausedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

interface SubscriptionRow {
  id: string; master_account_id: string; follower_account_id: string; settings: StoredSubscriptionSettings;
  status: SubscriptionStatus; paused_reason: string | null; created_at: Date; updated_at: Date;
}

function toSubscription<S extends StoredSubscriptionSettings>(r: SubscriptionRow): Subscription<S> {
  return {
    id: r.id, masterAccountId: r.master_account_id, followerAccountId: r.follower_account_id,
    settings: { ...r.settings, status: r.status } as S, pausedReason: r.paused_reason,
    createdAt: isoRequired(r.created_at), updatedAt: isoRequired(r.updated_at),
  };
}

/** What the audit log keeps of a subscription: ids and every setting, flat, as the API shows it. */
function audited(s: Subscription): Record<string, unknown> {
  return { id: s.id, masterAccountId: s.masterAccountId, followerAccountId: s.followerAccountId, ...s.settings, pausedReason: s.pausedReason };
}

export async function getSubscription<S extends StoredSubscriptionSettings = StoredSubscriptionSettings>(q: Queryable, id: string): Promise<Subscription<S> | null> {
  const { rows } = await q.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1 AND deleted_at IS NULL', [id]);
  return rows[0] ? toSubscription<S>(rows[0]) : null;
}

export interface SubscriptionFilter {
  masterAccountId?: string | undefined;
  followerAccountId?: string | undefined;
  status?: SubscriptionStatus | undefined;
}

export async function listSubscriptions<S extends StoredSubscriptionSettings = StoredSubscriptionSettings>(
  q: Queryable, filter: SubscriptionFilter, page: PageRequest,
): Promise<Page<Subscription<S>>> {
  const after = decodeCursor(page.cursor);
  const { rows } = await q.query<SubscriptionRow>(
    `SELECT * FROM subscriptions WHERE deleted_at IS NULL AND ($1::text IS NULL OR id > $1)
       AND ($2::text IS NULL OR master_account_id = $2) AND ($3::text IS NULL OR follower_account_id = $3)
       AND ($4::text IS NULL OR status = $4)
     ORDER BY id LIMIT $5`,
    [after, filter.masterAccountId ?? null, filter.followerAccountId ?? null, filter.status ?? null, page.limit + 1],
  );
  return toPage(rows, page.limit, (r) => toSubscription<S>(r));
}

async function requireAccountRole(q: Queryable, field: string, id: string, role: 'master' | 'follower'): Promise<void> {
  const { rows } = await q.query<{ role: string }>('SELECT role FROM accounts WHERE id = $1', [id]);
  if (!rows[0]) throw new KopitraError('invalid_payload', `${field}: account ${id} not found`);
  if (rows[0].role !== role) throw new KopitraError('invalid_payload', `${field}: account ${id} is a ${rows[0].role} account, not a ${role} account`);
}

export interface NewSubscription<S extends StoredSubscriptionSettings> {
  masterAccountId: string;
  followerAccountId: string;
  settings: S;
}

/** A master account copied by a follower account; one subscription per pair (409 `conflict`). */
export async function createSubscription<S extends StoredSubscriptionSettings>(q: Queryable, actor: string, input: NewSubscription<S>): Promise<Subscription<S>> {
  await requireAccountRole(q, 'masterAccountId', input.masterAccountId, 'master');
  await requireAccountRole(q, 'followerAccountId', input.followerAccountId, 'follower');
  const conflict = () => new KopitraError('conflict', `a subscription of follower ${input.followerAccountId} to master ${input.masterAccountId} already exists`);
  const existing = await q.query(
    'SELECT 1 FROM subscriptions WHERE master_account_id = $1 AND follower_account_id = $2 AND deleted_at IS NULL',
    [input.masterAccountId, input.followerAccountId]);
  if (existing.rows.length > 0) throw conflict();
  const id = newId('sub');
  let row: SubscriptionRow;
  try {
    const r = await q.query<SubscriptionRow>(
      `INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings, status)
       VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING *`,
      [id, input.masterAccountId, input.followerAccountId, JSON.stringify(input.settings), input.settings.status],
    );
    row = r.rows[0]!;
  } catch (e) {
    // The partial unique index settles a race the check above cannot see.
    if (isUniqueViolation(e)) throw conflict();
    throw e;
  }
  const sub = toSubscription<S>(row);
  await appendAuditLog(q, { actor, action: 'subscription.create', target: id, before: null, after: audited(sub) });
  await notifyCache(q, 'subscription', sub.masterAccountId);
  return sub;
}

/**
 * Replaces the settings with what `apply` makes of the current ones, under a row lock so two
 * concurrent partial updates cannot lose each other's changes. A change of status clears
 * `pausedReason` (an operator resuming or pausing takes over from the platform's reason).
 */
export async function updateSubscription<S extends StoredSubscriptionSettings>(
  q: Queryable, actor: string, id: string, apply: (current: S) => S,
): Promise<Subscription<S>> {
  const { rows } = await q.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id]);
  if (!rows[0]) throw new KopitraError('not_found', `subscription ${id} not found`);
  const before = toSubscription<S>(rows[0]);
  const settings = apply(before.settings);
  const pausedReason = settings.status === before.settings.status ? before.pausedReason : null;
  const updated = await q.query<SubscriptionRow>(
    `UPDATE subscriptions SET settings = $2::jsonb, status = $3, paused_reason = $4, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, JSON.stringify(settings), settings.status, pausedReason],
  );
  const after = toSubscription<S>(updated.rows[0]!);
  await appendAuditLog(q, { actor, action: 'subscription.update', target: id, before: audited(before), after: audited(after) });
  await notifyCache(q, 'subscription', after.masterAccountId);
  return after;
}

/** Soft delete: the row stays for the audit trail and copy links; the pair may subscribe again. */
export async function deleteSubscription(q: Queryable, actor: string, id: string): Promise<void> {
  const { rows } = await q.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id]);
  if (!rows[0]) throw new KopitraError('not_found', `subscription ${id} not found`);
  const before = toSubscription(rows[0]);
  const deleted = await q.query<{ deleted_at: Date }>('UPDATE subscriptions SET deleted_at = now(), updated_at = now() WHERE id = $1 RETURNING deleted_at', [id]);
  await appendAuditLog(q, {
    actor, action: 'subscription.delete', target: id, before: audited(before), after: { id, deletedAt: iso(deleted.rows[0]!.deleted_at) },
  });
  await notifyCache(q, 'subscription', before.masterAccountId);
}
