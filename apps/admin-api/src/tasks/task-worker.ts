import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore, QueueMessage, TaskQueue } from '@kopitra/storage';
import type { Db, SecretBox } from '@kopitra/store';
import { findTask } from './catalog';
import { TaskFailure, type TaskOutcome, type TaskRunContext } from './task-definition';
import { appendTaskStep, finishTaskRun, loadTaskRun, setTaskProgress, type TaskRunRow } from './task-runs';

export interface TaskWorkerDeps {
  db: Db;
  secretBox: SecretBox;
  queue: TaskQueue;
  blobs?: BlobStore | undefined;
  logger?: FastifyBaseLogger | undefined;
  now?: () => number;
  /** How long a received message stays invisible to other workers; extended while the task runs. */
  visibilityTimeoutSeconds?: number;
  /** After this many deliveries a message is poison: its run fails and the message is dropped. */
  maxDequeueCount?: number;
  /** Wait between polls of an empty queue. */
  pollIntervalMs?: number;
  /** Called after each effect committed (tracing; crash tests stop the worker here). */
  afterEffect?: (runId: string, effect: string) => Promise<void>;
}

export interface TaskWorker {
  start(): void;
  /** Stops polling and waits for the task in hand to finish. */
  stop(): Promise<void>;
  /** Receives and handles at most one message now (tests, and the loop's unit of work). */
  pollOnce(): Promise<boolean>;
}

interface MessageBody {
  runId: string;
  taskId: string;
}

function isMessageBody(v: unknown): v is MessageBody {
  return typeof v === 'object' && v !== null && typeof (v as MessageBody).runId === 'string' && typeof (v as MessageBody).taskId === 'string';
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/**
 * Takes task runs from the queue, at least once: a message is deleted only after its run is
 * finished, so a worker that dies mid-task leaves it to reappear after the visibility timeout.
 * Effects are idempotent (recorded under the run id in the effect's transaction), so the second
 * delivery finds them done. A message delivered more than `maxDequeueCount` times is poison.
 */
export function createTaskWorker(deps: TaskWorkerDeps): TaskWorker {
  const now = deps.now ?? Date.now;
  const visibility = deps.visibilityTimeoutSeconds ?? 60;
  const maxDequeue = deps.maxDequeueCount ?? 5;
  const pollMs = deps.pollIntervalMs ?? 1_000;
  const log = deps.logger;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  function contextFor(run: TaskRunRow): TaskRunContext {
    const { taskId, requestedBy } = run.trigger;
    return {
      runId: run.id, taskId, requestedBy, db: deps.db, secretBox: deps.secretBox, blobs: deps.blobs, now,
      progress: (done, total, message) => setTaskProgress(deps.db, run.id, taskId, { done, total, message }),
      step: (stage, detail) => appendTaskStep(deps.db, run.id, stage, 'ok', detail),
      async effect(name, fn) {
        const out = await deps.db.tx(async (q) => {
          const claimed = await q.query('INSERT INTO task_effects (run_id, effect) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING run_id', [run.id, name]);
          if (claimed.rows.length === 0) {
            const { rows } = await q.query<{ result: unknown }>('SELECT result FROM task_effects WHERE run_id = $1 AND effect = $2', [run.id, name]);
            return { replayed: true, value: rows[0]?.result };
          }
          const value = await fn(q);
          await q.query('UPDATE task_effects SET result = $3::jsonb WHERE run_id = $1 AND effect = $2', [run.id, name, JSON.stringify(value ?? null)]);
          await q.query(`UPDATE audit_runs SET steps = (steps::jsonb || $2::jsonb)::json WHERE id = $1`, [run.id, JSON.stringify([{ at: new Date(now()).toISOString(), stage: `effect:${name}`, outcome: 'ok', detail: null }])]);
          return { replayed: false, value };
        });
        if (out.replayed) await appendTaskStep(deps.db, run.id, `effect:${name}`, 'ok', { replayed: true });
        await deps.afterEffect?.(run.id, name);
        return out.value as Awaited<ReturnType<typeof fn>>;
      },
    };
  }

  async function fail(run: TaskRunRow, message: string, detail?: unknown): Promise<void> {
    await deps.db.tx((q) => finishTaskRun(q, { id: run.id, taskId: run.trigger.taskId }, {
      status: 'failed', result: { error: message, ...(detail === undefined ? {} : { detail }) }, summary: `${run.trigger.taskId} failed: ${message}`,
    }));
  }

  /** Keeps the message invisible while its task runs longer than the visibility timeout. */
  function holdClaim(message: QueueMessage): () => void {
    let receipt = message.popReceipt;
    const timer = setInterval(() => {
      deps.queue.extend({ messageId: message.messageId, popReceipt: receipt }, visibility)
        .then((r) => { receipt = r; message.popReceipt = r; })
        .catch((e: unknown) => log?.warn({ err: e, messageId: message.messageId }, 'could not extend a task message'));
    }, Math.max(1, visibility / 2) * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function handle(message: QueueMessage): Promise<void> {
    if (!isMessageBody(message.body)) {
      log?.warn({ messageId: message.messageId }, 'dropping a task message that is not ours');
      return deps.queue.delete(message);
    }
    const run = await loadTaskRun(deps.db, message.body.runId);
    // Unknown, or finished by an earlier delivery whose delete was lost: nothing left to do.
    if (!run || run.status !== 'running') return deps.queue.delete(message);
    const def = findTask(run.trigger.taskId);
    if (!def) {
      await fail(run, `unknown task ${run.trigger.taskId}`);
      return deps.queue.delete(message);
    }
    if (message.dequeueCount > maxDequeue) {
      await fail(run, `gave up after ${message.dequeueCount - 1} attempts`);
      return deps.queue.delete(message);
    }
    await appendTaskStep(deps.db, run.id, 'started', 'ok', { attempt: message.dequeueCount });
    const release = holdClaim(message);
    let outcome: TaskOutcome;
    try {
      outcome = await def.run(contextFor(run), run.trigger.params as never);
    } catch (e) {
      release();
      if (e instanceof TaskFailure) {
        await fail(run, e.message, e.detail);
        return deps.queue.delete(message);
      }
      log?.error({ err: e, runId: run.id, attempt: message.dequeueCount }, 'task attempt failed; it will be retried');
      await appendTaskStep(deps.db, run.id, 'attempt_failed', 'error', { attempt: message.dequeueCount, error: errorText(e) }).catch(() => {});
      if (message.dequeueCount >= maxDequeue) {
        await fail(run, `gave up after ${message.dequeueCount} attempts: ${errorText(e)}`);
        await deps.queue.delete(message);
      }
      return; // not deleted: the message reappears after its visibility timeout
    }
    release();
    await deps.db.tx((q) => finishTaskRun(q, { id: run.id, taskId: run.trigger.taskId }, {
      status: outcome.status ?? 'succeeded', result: outcome.result, summary: outcome.summary,
      ...(outcome.decisions ? { decisions: outcome.decisions } : {}),
    }));
    await deps.queue.delete(message);
  }

  async function pollOnce(): Promise<boolean> {
    const [message] = await deps.queue.receive({ max: 1, visibilityTimeoutSeconds: visibility });
    if (!message) return false;
    await handle(message);
    return true;
  }

  async function run(): Promise<void> {
    while (running) {
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (e) {
        log?.error({ err: e }, 'task worker poll failed');
      }
      if (!busy && running) await new Promise<void>((r) => { wake = r; setTimeout(r, pollMs).unref(); });
      wake = null;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
    pollOnce,
  };
}
