import { appendAuditLog, EVENTS_CHANNEL, insertAuditRun, type Queryable } from '@kopitra/store';

/** A task run's audit run: `kind: "task"`, status running → succeeded / failed. */
export type TaskRunStatus = 'running' | 'succeeded' | 'partially_succeeded' | 'failed';

export interface TaskProgress {
  done: number;
  total: number | null;
  message: string;
}

export interface TaskTrigger {
  taskId: string;
  params: Record<string, unknown>;
  requestedBy: string;
}

export interface TaskRunRow {
  id: string;
  status: TaskRunStatus;
  trigger: TaskTrigger;
}

/** The worker's actor in the audit log (changes made on an operator's behalf name the operator). */
export const WORKER_ACTOR = 'system:task-worker';

/** Live event for the console's stream (`event: task`), delivered when the transaction commits. */
export async function publishTaskEvent(q: Queryable, e: { runId: string; taskId: string; status: TaskRunStatus; progress: TaskProgress | null }): Promise<void> {
  await q.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [JSON.stringify({ kind: 'task', ...e, at: new Date().toISOString() })]);
}

/** The run is recorded (and the request audited) before its message is queued. */
export async function insertTaskRun(q: Queryable, run: { id: string; trigger: TaskTrigger; accountId: string | null; at: string }): Promise<void> {
  const progress: TaskProgress = { done: 0, total: null, message: 'queued' };
  await insertAuditRun(q, {
    id: run.id, kind: 'task', status: 'running', accountId: run.accountId, startedAt: run.at, finishedAt: null,
    trigger: run.trigger, steps: [{ at: run.at, stage: 'queued', outcome: 'ok', detail: null }], decisions: [], result: null,
    latency: {}, summary: `${run.trigger.taskId}: queued`,
  });
  await q.query('UPDATE audit_runs SET progress = $2 WHERE id = $1', [run.id, JSON.stringify(progress)]);
  await appendAuditLog(q, { actor: run.trigger.requestedBy, action: 'task.run', target: run.id, before: null, after: { taskId: run.trigger.taskId, params: run.trigger.params } });
  await publishTaskEvent(q, { runId: run.id, taskId: run.trigger.taskId, status: 'running', progress });
}

export async function loadTaskRun(q: Queryable, runId: string): Promise<TaskRunRow | null> {
  const { rows } = await q.query<TaskRunRow>(`SELECT id, status, trigger FROM audit_runs WHERE id = $1 AND kind = 'task'`, [runId]);
  return rows[0] ?? null;
}

function stepJson(stage: string, outcome: string, detail: unknown): string {
  return JSON.stringify([{ at: new Date().toISOString(), stage, outcome, detail: detail ?? null }]);
}

/** Appends a timed step to a running run. */
export async function appendTaskStep(q: Queryable, runId: string, stage: string, outcome: 'ok' | 'error', detail: unknown): Promise<void> {
  await q.query(`UPDATE audit_runs SET steps = (steps::jsonb || $2::jsonb)::json WHERE id = $1 AND status = 'running'`, [runId, stepJson(stage, outcome, detail)]);
}

export async function setTaskProgress(q: Queryable, runId: string, taskId: string, progress: TaskProgress): Promise<void> {
  const { rowCount } = await q.query(`UPDATE audit_runs SET progress = $2 WHERE id = $1 AND status = 'running'`, [runId, JSON.stringify(progress)]);
  if (rowCount > 0) await publishTaskEvent(q, { runId, taskId, status: 'running', progress });
}

/**
 * Ends a run once: a second finish (a redelivered message racing a slow first attempt) finds it
 * no longer running and changes nothing. Returns whether this call finished it.
 */
export async function finishTaskRun(
  q: Queryable,
  run: { id: string; taskId: string },
  outcome: { status: Exclude<TaskRunStatus, 'running'>; result: unknown; summary: string; decisions?: unknown[] },
): Promise<boolean> {
  const { rows } = await q.query<{ progress: TaskProgress | null }>(
    `UPDATE audit_runs SET status = $2, finished_at = now(), result = $3::json, summary = $4,
            decisions = COALESCE($5::json, decisions), steps = (steps::jsonb || $6::jsonb)::json,
            progress = json_build_object('done', COALESCE((progress->>'total')::int, 1), 'total', COALESCE((progress->>'total')::int, 1), 'message', $4::text)
      WHERE id = $1 AND status = 'running' RETURNING progress`,
    [run.id, outcome.status, JSON.stringify(outcome.result ?? null), outcome.summary,
      outcome.decisions === undefined ? null : JSON.stringify(outcome.decisions),
      stepJson('finished', outcome.status === 'failed' ? 'error' : 'ok', { status: outcome.status })],
  );
  if (rows.length === 0) return false;
  await appendAuditLog(q, { actor: WORKER_ACTOR, action: `task.${outcome.status}`, target: run.id, before: null, after: { taskId: run.taskId, summary: outcome.summary } });
  await publishTaskEvent(q, { runId: run.id, taskId: run.taskId, status: outcome.status, progress: rows[0]!.progress });
  return true;
}
