import { Type } from '@sinclair/typebox';
import { IdParam, Page, PageQuery, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';
import { AuditRunDetail, AuditRunSummary, RunKind, RunStatus } from './audit-run-schemas';
import { listAuditRuns, loadAuditRun } from './audit-run-queries';

/** GET /audit/runs and /audit/runs/{runId}: the trace of every signal, task, reconciliation and stop-out (viewer+). */
export function registerAuditRunRoutes(app: TypedApp, ctx: AdminContext): void {
  app.get('/audit/runs', {
    config: { adminAccess: 'viewer' },
    schema: {
      tags: ['audit'],
      querystring: Type.Object({
        ...PageQuery, kind: Type.Optional(RunKind), status: Type.Optional(RunStatus),
        accountId: Type.Optional(IdParam), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp),
      }, { additionalProperties: false }),
      response: { 200: Page(AuditRunSummary), ...errors(400, 403) },
    },
  }, async (request) => listAuditRuns(ctx.db, request.query));

  app.get('/audit/runs/:runId', {
    config: { adminAccess: 'viewer' },
    schema: {
      tags: ['audit'],
      params: Type.Object({ runId: IdParam }, { additionalProperties: false }),
      response: { 200: AuditRunDetail, ...errors(403, 404) },
    },
  }, async (request) => loadAuditRun(ctx.db, request.params.runId));
}
