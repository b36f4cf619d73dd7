import type { Queryable } from '../db';

export interface CredentialForVerification {
  keyId: string;
  accountId: string;
  role: 'master' | 'follower';
  accountStatus: 'active' | 'disabled';
  secretSealed: string;
  /** When the key stops working (revocation, possibly in the future for a rotation's grace period). */
  invalidFromMs: number | null;
}

/** What the gateway needs to verify an EA request signed with this key id. */
export async function findCredentialForVerification(q: Queryable, keyId: string): Promise<CredentialForVerification | null> {
  const { rows } = await q.query<{ key_id: string; account_id: string; role: 'master' | 'follower'; status: 'active' | 'disabled'; secret_sealed: string; invalid_from: number | null }>(
    `SELECT c.key_id, c.account_id, a.role, a.status, c.secret_sealed,
            (extract(epoch FROM LEAST(c.revoked_at, c.expires_at)) * 1000)::float8 AS invalid_from
       FROM ea_credentials c JOIN accounts a ON a.id = c.account_id
      WHERE c.key_id = $1`,
    [keyId],
  );
  const r = rows[0];
  if (!r) return null;
  return { keyId: r.key_id, accountId: r.account_id, role: r.role, accountStatus: r.status, secretSealed: r.secret_sealed, invalidFromMs: r.invalid_from === null ? null : Number(r.invalid_from) };
}
