import { findCredentialForVerification, type CredentialForVerification, type Db, type SecretBox } from '@kopitra/store';

export interface VerifiedCredential {
  keyId: string;
  accountId: string;
  role: 'master' | 'follower';
  accountStatus: 'active' | 'disabled';
  /** Revocation or expiry time (ms), possibly in the future during a rotation's grace period. */
  invalidFromMs: number | null;
  secret: string;
}

/**
 * Credentials held in memory (one lookup per key id, not per request), dropped the moment the
 * management API changes them: it NOTIFYs `kopitra_cache` with `credential:<keyId>` or
 * `account:<id>` in the same transaction as the change. Entries also age out as a safety net.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { value: VerifiedCredential | null; at: number }>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly secretBox: SecretBox,
    private readonly ttlMs = 30_000,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen('kopitra_cache', (payload) => this.invalidate(payload));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  invalidate(payload: string): void {
    const [kind, id] = payload.split(':', 2);
    if (kind === 'credential' && id) this.entries.delete(id);
    else if (kind === 'account' && id) {
      for (const [k, e] of this.entries) if (e.value?.accountId === id) this.entries.delete(k);
    } else if (kind === 'all') this.entries.clear();
  }

  async get(keyId: string): Promise<VerifiedCredential | null> {
    const hit = this.entries.get(keyId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const row = await findCredentialForVerification(this.db, keyId);
    const value = row ? this.open(row) : null;
    this.entries.set(keyId, { value, at: Date.now() });
    if (this.entries.size > 50_000) this.entries.clear();
    return value;
  }

  private open(row: CredentialForVerification): VerifiedCredential {
    return {
      keyId: row.keyId, accountId: row.accountId, role: row.role, accountStatus: row.accountStatus,
      invalidFromMs: row.invalidFromMs, secret: this.secretBox.open(row.secretSealed),
    };
  }
}
