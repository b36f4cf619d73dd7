import { randomBytes } from 'node:crypto';
import { KopitraError } from '@kopitra/protocol';
import type { Queryable } from '../db';
import type { SecretBox } from '../secret-box';
import { appendAuditLog } from './audit-log';
import { iso, isoRequired } from './iso';
import { notifyCache } from './notify-cache';
import type { CredentialInfo } from './accounts';

export interface NewCredential {
  keyId: string;
  /** Shown to the caller this once; only its sealed form is stored. */
  secret: string;
  createdAt: string;
}

interface CredentialRow { key_id: string; account_id: string; created_at: Date; revoked_at: Date | null }

function audited(r: CredentialRow): CredentialInfo & { accountId: string } {
  return { keyId: r.key_id, accountId: r.account_id, createdAt: isoRequired(r.created_at), revokedAt: iso(r.revoked_at) };
}

/** Issues an EA credential for an existing account: keyId `kid_` + 16 hex, secret 32 random bytes base64url. */
export async function createCredential(q: Queryable, secretBox: SecretBox, actor: string, accountId: string): Promise<NewCredential> {
  const acc = await q.query('SELECT 1 FROM accounts WHERE id = $1', [accountId]);
  if (acc.rows.length === 0) throw new KopitraError('not_found', `account ${accountId} not found`);
  const keyId = `kid_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  const { rows } = await q.query<CredentialRow>(
    `INSERT INTO ea_credentials (key_id, account_id, secret_sealed) VALUES ($1, $2, $3)
     RETURNING key_id, account_id, created_at, revoked_at`,
    [keyId, accountId, secretBox.seal(secret)],
  );
  const row = rows[0]!;
  await appendAuditLog(q, { actor, action: 'credential.create', target: keyId, before: null, after: audited(row) });
  await notifyCache(q, 'credential', keyId);
  return { keyId, secret, createdAt: isoRequired(row.created_at) };
}

/**
 * Revokes a credential of the account at once (the gateway drops it on `credential:<keyId>`).
 * Revoking an already revoked credential changes nothing; a keyId of another account is not found.
 */
export async function revokeCredential(q: Queryable, actor: string, accountId: string, keyId: string): Promise<CredentialInfo> {
  const { rows } = await q.query<CredentialRow>(
    'SELECT key_id, account_id, created_at, revoked_at FROM ea_credentials WHERE key_id = $1 AND account_id = $2 FOR UPDATE',
    [keyId, accountId],
  );
  if (!rows[0]) throw new KopitraError('not_found', `credential ${keyId} of account ${accountId} not found`);
  const before = audited(rows[0]);
  if (before.revokedAt !== null) return { keyId, createdAt: before.createdAt, revokedAt: before.revokedAt };
  const updated = await q.query<CredentialRow>(
    'UPDATE ea_credentials SET revoked_at = now() WHERE key_id = $1 RETURNING key_id, account_id, created_at, revoked_at', [keyId]);
  const after = audited(updated.rows[0]!);
  await appendAuditLog(q, { actor, action: 'credential.revoke', target: keyId, before, after });
  await notifyCache(q, 'credential', keyId);
  return { keyId, createdAt: after.createdAt, revokedAt: after.revokedAt };
}
