import type { Queryable } from '../db';

/**
 * One unit of work and everything it caused. A master signal's run is also where the signal itself
 * is kept (its `trigger`; the `signals` view reads it from there, migration 040).
 */
export interface AuditRunRecord {
  id: string;
  kind: 'signal' | 'task' | 'reconcile' | 'stop_out';
  status: 'running' | 'succeeded' | 'partially_succeeded' | 'failed';
  accountId: string | null;
  startedAt: string;
  finishedAt: string | null;
  trigger: unknown;
  steps: unknown[];
  decisions: unknown[];
  result: unknown;
  latency: Record<string, number | null>;
  summary: string;
}

export async function insertAuditRun(q: Queryable, r: AuditRunRecord): Promise<void> {
  await q.query(
    `INSERT INTO audit_runs (id, kind, status, account_id, started_at, finished_at, trigger, steps, decisions, result, latency, summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [r.id, r.kind, r.status, r.accountId, r.startedAt, r.finishedAt, JSON.stringify(r.trigger), JSON.stringify(r.steps),
      JSON.stringify(r.decisions), r.result === undefined ? null : JSON.stringify(r.result), JSON.stringify(r.latency), r.summary],
  );
}
