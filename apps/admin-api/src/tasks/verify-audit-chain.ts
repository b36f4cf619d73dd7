import { Type } from '@sinclair/typebox';
import { verifyAuditChain } from '@kopitra/store';
import { defineTask } from './task-definition';

export const verifyAuditChainTask = defineTask({
  id: 'verify-audit-chain',
  title: 'Verify audit chain',
  description: 'Recomputes the hash chain of the audit log from its first row and names the first row that does not hold (altered, removed or inserted out of band).',
  params: Type.Object({}, { additionalProperties: false }),
  supportsDryRun: false,
  dangerous: false,
  access: 'operator',
  async run(ctx) {
    await ctx.progress(0, 1, 'verifying');
    const v = await verifyAuditChain(ctx.db);
    const result = { ok: v.ok, rows: v.rows, firstBadId: v.brokenAt };
    return { result, summary: v.ok ? `audit chain intact (${v.rows} rows)` : `audit chain BROKEN at row ${v.brokenAt} (${v.rows} rows verified before it)` };
  },
});
