import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { principalOf } from '../auth/authenticate';
import { Nullable, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';
import { listFlags, setFlag } from '../store';

export const FlagSchema = Type.Object({
  name: Type.String(), enabled: Type.Boolean(), description: Type.String(), updatedAt: Timestamp, updatedBy: Nullable(Type.String()),
});

/** GET /flags (viewer+) and PUT /flags/{name} (admin): audited, announced to every process as `flags:*`. */
export function registerFlagRoutes(app: TypedApp, ctx: AdminContext): void {
  app.get('/flags', {
    config: { adminAccess: 'viewer' },
    schema: { tags: ['flags'], response: { 200: Type.Object({ items: Type.Array(FlagSchema) }), ...errors(403) } },
  }, async () => ({ items: await listFlags(ctx.db) }));

  app.put('/flags/:name', {
    config: { adminAccess: 'admin' },
    schema: {
      tags: ['flags'],
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_.-]*$' }) }, { additionalProperties: false }),
      body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: FlagSchema, ...errors(400, 403, 404) },
    },
  }, async (request) => {
    const actor = principalOf(request).id;
    const flag = await ctx.db.tx((q) => setFlag(q, actor, request.params.name, request.body.enabled));
    if (!flag) throw new KopitraError('not_found', `no flag ${request.params.name}`);
    return flag;
  });
}
