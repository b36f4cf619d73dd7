import { Type } from '@sinclair/typebox';
import { strToU8, zipSync } from 'fflate';
import { KopitraError } from '@kopitra/protocol';
import { appendAuditLog, newId, withSharedInputs, type Queryable } from '@kopitra/store';
import { defineTask, TaskFailure } from './task-definition';

/** A bundle holds at most this many runs; a wider range is refused when requested (narrow it or split it). */
export const MAX_BUNDLE_RUNS = 20_000;

const Params = Type.Object({
  from: Type.String({ minLength: 1, maxLength: 64, description: 'inclusive, RFC 3339 date-time' }),
  to: Type.String({ minLength: 1, maxLength: 64, description: 'exclusive, RFC 3339 date-time' }),
  accountId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'only runs of this account (as master, follower or task target)' })),
}, { additionalProperties: false });

function range(params: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(params.from);
  const to = Date.parse(params.to);
  if (Number.isNaN(from)) throw new KopitraError('invalid_payload', 'params.from: expected an RFC 3339 date-time', { extra: { field: 'params.from' } });
  if (Number.isNaN(to)) throw new KopitraError('invalid_payload', 'params.to: expected an RFC 3339 date-time', { extra: { field: 'params.to' } });
  if (to <= from) throw new KopitraError('invalid_payload', 'params.to: must be after params.from', { extra: { field: 'params.to' } });
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

const RUNS_SQL = `
  SELECT r.* FROM audit_runs r
   WHERE r.started_at >= $1 AND r.started_at < $2
     AND ($3::text IS NULL OR r.account_id = $3
          OR EXISTS (SELECT 1 FROM orders o WHERE o.run_id = r.id AND o.follower_account_id = $3))
   ORDER BY r.started_at, r.id LIMIT $4`;

async function collect(q: Queryable, from: string, to: string, accountId: string | null) {
  const stored = (await q.query<{ id: string; trigger: unknown; decisions: unknown }>(RUNS_SQL, [from, to, accountId, MAX_BUNDLE_RUNS + 1])).rows;
  if (stored.length > MAX_BUNDLE_RUNS) throw new TaskFailure(`more than ${MAX_BUNDLE_RUNS} runs in range: narrow it`);
  // Each decision with its whole inputs, as the audit trace shows it (the store keeps the inputs a
  // signal's decisions share once, on the trigger).
  const runs = stored.map((r) => {
    if (!r.trigger || typeof r.trigger !== 'object' || !('decisionInputs' in r.trigger)) return r;
    const { decisionInputs: _shared, ...trigger } = r.trigger as Record<string, unknown>;
    return { ...r, trigger, decisions: withSharedInputs(r.trigger, r.decisions) };
  });
  const runIds = runs.map((r) => r.id);
  const orders = (await q.query<{ id: string }>(
    `SELECT id, run_id, signal_id, subscription_id, follower_account_id, action, master_position_id, master_order_id, leg_id, tag,
            payload, status, created_at, expires_at, first_delivered_at, finished_at
       FROM orders WHERE run_id = ANY($1::text[]) ORDER BY seq`,
    [runIds])).rows;
  const executions = (await q.query(
    'SELECT id, order_id, status, terminal, body, received_at FROM executions WHERE order_id = ANY($1::text[]) ORDER BY id',
    [orders.map((o) => o.id)])).rows;
  const auditLog = (await q.query('SELECT * FROM audit_log WHERE at >= $1 AND at < $2 ORDER BY id', [from, to])).rows;
  return { runs, orders, executions, auditLog };
}

const json = (v: unknown) => strToU8(JSON.stringify(v, null, 1));

export const exportAuditBundleTask = defineTask({
  id: 'export-audit-bundle',
  title: 'Export audit bundle',
  description: "Zips the audit runs started in [from, to) with their decisions, orders and executions, and the audit log rows (with their hashes) of that range, into Blob Storage; the result names the artifact to download.",
  params: Params,
  supportsDryRun: false,
  dangerous: false,
  access: 'operator',
  async prepare(q, params) {
    range(params);
    if (params.accountId) {
      const { rows } = await q.query('SELECT 1 FROM accounts WHERE id = $1', [params.accountId]);
      if (rows.length === 0) throw new KopitraError('not_found', `account ${params.accountId} not found`);
    }
    return { accountId: params.accountId ?? null };
  },
  async run(ctx, params) {
    if (!ctx.blobs) throw new TaskFailure('blob storage is not configured');
    const { from, to } = range(params);
    const accountId = params.accountId ?? null;
    await ctx.progress(0, 3, 'collecting runs');
    const data = await collect(ctx.db, from, to, accountId);
    await ctx.progress(1, 3, `zipping ${data.runs.length} runs, ${data.orders.length} orders, ${data.executions.length} executions, ${data.auditLog.length} audit log rows`);
    const manifest = {
      format: 'kopitra-audit-bundle/1', runId: ctx.runId, from, to, accountId, generatedAt: new Date(ctx.now()).toISOString(),
      counts: { runs: data.runs.length, orders: data.orders.length, executions: data.executions.length, auditLog: data.auditLog.length },
      files: ['runs.json', 'orders.json', 'executions.json', 'audit_log.json'],
    };
    const zip = zipSync({
      'manifest.json': json(manifest), 'runs.json': json(data.runs), 'orders.json': json(data.orders),
      'executions.json': json(data.executions), 'audit_log.json': json(data.auditLog),
    }, { level: 6 });
    const name = `audit-bundle_${from.replace(/[:.]/g, '-')}_${to.replace(/[:.]/g, '-')}${accountId ? `_${accountId}` : ''}.zip`;
    // One blob name per run: a repeated attempt overwrites its own upload, never another's.
    const blobName = `audit-bundles/${ctx.runId}.zip`;
    await ctx.progress(2, 3, 'uploading');
    const stored = await ctx.blobs.put(blobName, zip, 'application/zip');
    const artifact = await ctx.effect('artifact', async (q) => {
      const id = newId('art');
      await q.query(
        `INSERT INTO artifacts (id, kind, name, size, content_type, blob_name, account_id, run_id, sha256)
         VALUES ($1, 'audit_bundle', $2, $3, 'application/zip', $4, $5, $6, $7)`,
        [id, name, stored.size, blobName, accountId, ctx.runId, stored.sha256]);
      await appendAuditLog(q, { actor: ctx.requestedBy, action: 'artifact.create', target: id, before: null, after: { kind: 'audit_bundle', name, size: stored.size, sha256: stored.sha256, runId: ctx.runId } });
      return { artifactId: id };
    });
    await ctx.progress(3, 3, 'uploaded');
    return { result: { artifactId: artifact.artifactId, size: stored.size, sha256: stored.sha256, counts: manifest.counts }, summary: `audit bundle ${name}: ${data.runs.length} runs, ${stored.size} bytes` };
  },
});
