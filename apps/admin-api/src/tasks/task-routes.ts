import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import type { TaskQueue } from '@kopitra/storage';
import { appendAuditLog, newId } from '@kopitra/store';
import { principalOf, ROLE_RANK } from '../auth/authenticate';
import { IdParam, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';
import { describeTask, findTask, TASKS, validateTaskParams } from './catalog';
import { finishTaskRun, insertTaskRun } from './task-runs';

const TaskSchema = Type.Object({
  id: Type.String(), title: Type.String(), description: Type.String(),
  params: Type.Unknown({ description: 'JSON Schema of the params' }),
  supportsDryRun: Type.Boolean(), dangerous: Type.Boolean(),
  access: Type.Union([Type.Literal('operator'), Type.Literal('admin')]),
});

/** A 400 that names the field (the shared error schema would strip `field` on serialisation). */
const InvalidParams = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }) });

const unavailable = (what: string) => new KopitraError('unavailable', `${what} is not available: storage is not configured or down`, { retryAfterSeconds: 5 });

/** GET /tasks, POST /tasks/{taskId}/run, GET /tasks/runs/{runId}/secret. */
export function registerTaskRoutes(app: TypedApp, ctx: AdminContext, deps: { queue?: TaskQueue | undefined }): void {
  const catalog = TASKS.map(describeTask);

  app.get('/tasks', {
    config: { adminAccess: 'operator' },
    schema: { response: { 200: Type.Object({ items: Type.Array(TaskSchema) }), ...errors(403) } },
  }, async () => ({ items: catalog }));

  app.post('/tasks/:taskId/run', {
    config: { adminAccess: 'operator' },
    schema: {
      params: Type.Object({ taskId: IdParam }, { additionalProperties: false }),
      body: Type.Object({ params: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
      response: { 202: Type.Object({ runId: Type.String() }), ...errors(403, 404), 400: InvalidParams },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const def = findTask(request.params.taskId);
    if (!def) throw new KopitraError('not_found', `no task ${request.params.taskId}`);
    if (ROLE_RANK[principal.role] < ROLE_RANK[def.access]) throw new KopitraError('forbidden', `${def.id} needs the ${def.access} role; you are ${principal.role}`);
    const params = validateTaskParams(def, request.body?.params);
    const queue = deps.queue;
    if (!queue) throw unavailable('the task queue');
    const runId = newId('run');
    const trigger = { taskId: def.id, params, requestedBy: principal.id };
    await ctx.db.tx(async (q) => {
      const { accountId } = def.prepare ? await def.prepare(q, params as never) : { accountId: null };
      await insertTaskRun(q, { id: runId, trigger, accountId, at: new Date(ctx.now()).toISOString() });
    });
    try {
      await queue.send({ runId, taskId: def.id });
    } catch (e) {
      // Recorded but never queued: end the run now rather than leave it "running" forever.
      request.log.error({ err: e, runId }, 'could not queue a task run');
      await ctx.db.tx((q) => finishTaskRun(q, { id: runId, taskId: def.id }, { status: 'failed', result: { error: 'the task queue is unavailable' }, summary: `${def.id} failed: the task queue is unavailable` }));
      throw unavailable('the task queue');
    }
    return reply.status(202).send({ runId });
  });

  // The one way to see a secret a task made (a rotated credential): admins, once, within 15 minutes.
  app.get('/tasks/runs/:runId/secret', {
    config: { adminAccess: 'admin' },
    schema: {
      params: Type.Object({ runId: IdParam }, { additionalProperties: false }),
      response: { 200: Type.Object({ keyId: Type.String(), secret: Type.String() }), ...errors(403, 404) },
    },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    const found = await ctx.db.tx(async (q) => {
      const { rows } = await q.query<{ key_id: string; secret_sealed: string }>(
        `SELECT key_id, secret_sealed FROM task_secrets
          WHERE run_id = $1 AND read_at IS NULL AND secret_sealed IS NOT NULL AND expires_at > $2 FOR UPDATE`,
        [request.params.runId, new Date(ctx.now()).toISOString()]);
      const row = rows[0];
      if (!row) return null;
      await q.query('UPDATE task_secrets SET read_at = $2, secret_sealed = NULL WHERE run_id = $1', [request.params.runId, new Date(ctx.now()).toISOString()]);
      await appendAuditLog(q, { actor, action: 'credential.secret_read', target: row.key_id, before: null, after: { runId: request.params.runId, keyId: row.key_id } });
      return { keyId: row.key_id, secret: ctx.secretBox.open(row.secret_sealed) };
    });
    if (!found) throw new KopitraError('not_found', `no unread secret for run ${request.params.runId}`);
    return reply.header('Cache-Control', 'no-store').send(found);
  });
}
