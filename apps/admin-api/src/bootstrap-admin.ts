import { randomBytes } from 'node:crypto';
import type { Db } from '@kopitra/store';
import { hashPassword } from './auth/password-hash';
import { countOperators, createOperator } from './store';

const BOOTSTRAP_LOCK_KEY = 7_024_119;
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

export interface BootstrapResult {
  created: boolean;
  email?: string;
  /** Only when generated: the caller prints it once; it is never stored or shown again. */
  password?: string;
}

/**
 * First start with no operator: creates an admin from the given email and password when both are
 * set, else `admin@localhost` with a generated password. Any later start changes nothing.
 */
export async function ensureBootstrapAdmin(db: Db, given: { email?: string | undefined; password?: string | undefined } = {}): Promise<BootstrapResult> {
  if ((await countOperators(db)) > 0) return { created: false };
  const generated = !(given.email && given.password);
  const email = generated ? DEFAULT_ADMIN_EMAIL : given.email!;
  const password = generated ? randomBytes(18).toString('base64url') : given.password!;
  const passwordHash = await hashPassword(password);
  return db.tx(async (q) => {
    // Two instances starting at once: one creates, the other sees it.
    await q.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    if ((await countOperators(q)) > 0) return { created: false };
    await createOperator(q, 'system:bootstrap', { email, passwordHash, role: 'admin' });
    return generated ? { created: true, email, password } : { created: true, email };
  });
}
