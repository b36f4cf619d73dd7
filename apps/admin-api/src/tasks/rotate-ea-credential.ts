import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { appendAuditLog, createCredential, notifyCache } from '@kopitra/store';
import { defineTask, TaskFailure } from './task-definition';

/** How long the new secret can be fetched (once) through GET /tasks/runs/{runId}/secret. */
export const SECRET_PICKUP_MS = 15 * 60_000;

const Params = Type.Object({
  accountId: Type.String({ minLength: 1, maxLength: 128 }),
  graceSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: 300, description: 'how long the old credentials stay valid' }),
}, { additionalProperties: false });

export const rotateEaCredentialTask = defineTask({
  id: 'rotate-ea-credential',
  title: 'Rotate EA credential',
  description: "Issues a new EA credential for an account and schedules the revocation of its current ones after a grace period, so the EA can switch without a gap. The new secret is fetched once by an admin through GET /tasks/runs/{runId}/secret.",
  params: Params,
  supportsDryRun: false,
  dangerous: true,
  access: 'admin',
  async prepare(q, params) {
    const { rows } = await q.query('SELECT 1 FROM accounts WHERE id = $1', [params.accountId]);
    if (rows.length === 0) throw new KopitraError('not_found', `account ${params.accountId} not found`);
    return { accountId: params.accountId };
  },
  async run(ctx, params) {
    const out = await ctx.effect('rotate', async (q) => {
      const nowMs = ctx.now();
      const { rows: current } = await q.query<{ key_id: string; revoked_at: Date | null }>(
        `SELECT key_id, revoked_at FROM ea_credentials WHERE account_id = $1 AND (revoked_at IS NULL OR revoked_at > $2)
          ORDER BY created_at DESC, key_id FOR UPDATE`, [params.accountId, new Date(nowMs).toISOString()]);
      const fresh = await createCredential(q, ctx.secretBox, ctx.requestedBy, params.accountId).catch((e: unknown) => {
        throw e instanceof KopitraError && e.code === 'not_found' ? new TaskFailure(e.message) : e;
      });
      const validUntil = new Date(nowMs + params.graceSeconds * 1000);
      for (const old of current) {
        // Never extends an earlier scheduled revocation.
        const until = old.revoked_at && new Date(old.revoked_at) < validUntil ? new Date(old.revoked_at) : validUntil;
        await q.query('UPDATE ea_credentials SET revoked_at = $2 WHERE key_id = $1', [old.key_id, until.toISOString()]);
        await appendAuditLog(q, {
          actor: ctx.requestedBy, action: 'credential.revoke_scheduled', target: old.key_id,
          before: { keyId: old.key_id, revokedAt: old.revoked_at ? new Date(old.revoked_at).toISOString() : null },
          after: { keyId: old.key_id, revokedAt: until.toISOString(), replacedBy: fresh.keyId, runId: ctx.runId },
        });
        await notifyCache(q, 'credential', old.key_id);
      }
      await q.query(
        'INSERT INTO task_secrets (run_id, key_id, secret_sealed, expires_at) VALUES ($1, $2, $3, $4)',
        [ctx.runId, fresh.keyId, ctx.secretBox.seal(fresh.secret), new Date(nowMs + SECRET_PICKUP_MS).toISOString()]);
      return {
        keyId: fresh.keyId,
        oldKeyId: current[0]?.key_id ?? null,
        oldValidUntil: current.length > 0 ? validUntil.toISOString() : null,
        revokedKeyIds: current.map((c) => c.key_id),
      };
    });
    return { result: out, summary: `new credential ${out.keyId}${out.oldKeyId ? `; ${out.revokedKeyIds.join(', ')} valid until ${out.oldValidUntil}` : ''}` };
  },
});
