import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import type { BlobStore } from '@kopitra/storage';
import { decodeCursor, encodeCursor, type Queryable } from '@kopitra/store';
import { IdParam, IdParams, Nullable, Page, PageQuery, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';

const Kind = Type.Union([Type.Literal('ea_log'), Type.Literal('audit_bundle'), Type.Literal('report')]);

export const ArtifactSchema = Type.Object({
  id: Type.String(), kind: Kind, name: Type.String(), size: Type.Integer(), createdAt: Timestamp,
  accountId: Nullable(Type.String()), contentType: Type.String(), sha256: Type.String(), runId: Nullable(Type.String()),
});

interface ArtifactRow {
  id: string; kind: 'ea_log' | 'audit_bundle' | 'report'; name: string; size: string | number; content_type: string;
  blob_name: string; account_id: string | null; run_id: string | null; created_at: Date; sha256: string;
}

function toView(r: ArtifactRow) {
  return {
    id: r.id, kind: r.kind, name: r.name, size: Number(r.size), createdAt: new Date(r.created_at).toISOString(),
    accountId: r.account_id, contentType: r.content_type, sha256: r.sha256, runId: r.run_id,
  };
}

async function listArtifacts(q: Queryable, filter: { kind?: string | undefined; accountId?: string | undefined }, limit: number, cursor: string | undefined) {
  const before = decodeCursor(cursor);
  const { rows } = await q.query<ArtifactRow>(
    `SELECT * FROM artifacts WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR account_id = $2) AND ($3::text IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [filter.kind ?? null, filter.accountId ?? null, before, limit + 1]);
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(toView), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.id) : null };
}

/** A file name safe inside a quoted Content-Disposition (the UTF-8 form carries the original). */
function disposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'artifact';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** GET /artifacts (newest first), GET /artifacts/{id}, GET /artifacts/{id}/content (streamed from Blob Storage). */
export function registerArtifactRoutes(app: TypedApp, ctx: AdminContext, deps: { storage?: BlobStore | undefined }): void {
  app.get('/artifacts', {
    config: { adminAccess: 'viewer' },
    schema: {
      querystring: Type.Object({ ...PageQuery, kind: Type.Optional(Kind), accountId: Type.Optional(IdParam) }, { additionalProperties: false }),
      response: { 200: Page(ArtifactSchema), ...errors(400) },
    },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return listArtifacts(ctx.db, filter, limit, cursor);
  });

  app.get('/artifacts/:id', {
    config: { adminAccess: 'viewer' },
    schema: { params: IdParams, response: { 200: ArtifactSchema, ...errors(404) } },
  }, async (request) => {
    const { rows } = await ctx.db.query<ArtifactRow>('SELECT * FROM artifacts WHERE id = $1', [request.params.id]);
    if (!rows[0]) throw new KopitraError('not_found', `artifact ${request.params.id} not found`);
    return toView(rows[0]);
  });

  app.get('/artifacts/:id/content', {
    config: { adminAccess: 'viewer' },
    schema: { params: IdParams, response: errors(404) },
  }, async (request, reply) => {
    const { rows } = await ctx.db.query<ArtifactRow>('SELECT * FROM artifacts WHERE id = $1', [request.params.id]);
    const row = rows[0];
    if (!row) throw new KopitraError('not_found', `artifact ${request.params.id} not found`);
    if (!deps.storage) throw new KopitraError('unavailable', 'blob storage is not configured', { retryAfterSeconds: 5 });
    const blob = await deps.storage.open(row.blob_name);
    if (!blob) throw new KopitraError('not_found', `the content of artifact ${row.id} is gone from storage`);
    return reply
      .header('Content-Type', row.content_type)
      .header('Content-Length', String(blob.size))
      .header('Content-Disposition', disposition(row.name))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'private, no-store')
      .send(blob.stream as never); // streamed as is: the response schema describes errors only
  });
}
