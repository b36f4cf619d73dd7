import type { Queryable } from '../db';

export interface SignalRecord {
  id: string;
  accountId: string;
  sequence: number;
  type: string;
  occurredAt: string;
  receivedAt: string;
  body: unknown;
  runId: string;
  gap: boolean;
}

export async function insertSignal(q: Queryable, s: SignalRecord): Promise<void> {
  await q.query(
    `INSERT INTO signals (id, account_id, sequence, type, occurred_at, received_at, body, run_id, gap)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [s.id, s.accountId, s.sequence, s.type, s.occurredAt, s.receivedAt, JSON.stringify(s.body), s.runId, s.gap],
  );
}

export async function setLastSequence(q: Queryable, accountId: string, sequence: number, gap: boolean): Promise<void> {
  await q.query(
    'UPDATE account_state SET last_sequence = $2, resync_pending = resync_pending OR $3 WHERE account_id = $1',
    [accountId, sequence, gap],
  );
}

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
