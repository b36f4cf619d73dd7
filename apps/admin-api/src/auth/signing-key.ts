import { randomBytes } from 'node:crypto';
import type { Db, SecretBox } from '@kopitra/store';
import { getOrCreateSetting } from '../store';

const SETTING_KEY = 'admin.token_signing_key';

/**
 * The HS256 key of sign-in tokens: generated at first start, kept in the `settings` table sealed
 * with the secret box (a database dump alone cannot mint tokens), shared by every instance.
 */
export async function loadTokenSigningKey(db: Db, secretBox: SecretBox): Promise<Buffer> {
  const stored = await getOrCreateSetting<{ sealed: string }>(db, SETTING_KEY, () => ({
    sealed: secretBox.seal(randomBytes(32).toString('base64url')),
  }));
  return Buffer.from(secretBox.open(stored.sealed), 'base64url');
}
