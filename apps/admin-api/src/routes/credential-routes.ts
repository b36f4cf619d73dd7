import { Type } from '@sinclair/typebox';
import { principalOf } from '../auth/authenticate';
import { IdParam, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import { createCredential, revokeCredential } from '../store';
import type { AdminContext } from './context';

export function registerCredentialRoutes(app: TypedApp, ctx: AdminContext): void {
  app.post('/accounts/:id/credentials', {
    config: { adminAccess: 'admin' },
    schema: {
      params: Type.Object({ id: IdParam }, { additionalProperties: false }),
      // The secret is in this response once; nothing else ever returns it.
      response: { 201: Type.Object({ keyId: Type.String(), secret: Type.String() }), ...errors(403, 404) },
    },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    const { keyId, secret } = await ctx.db.tx((q) => createCredential(q, ctx.secretBox, actor, request.params.id));
    return reply.status(201).header('Cache-Control', 'no-store').send({ keyId, secret });
  });

  app.delete('/accounts/:id/credentials/:keyId', {
    config: { adminAccess: 'admin' },
    schema: {
      params: Type.Object({ id: IdParam, keyId: IdParam }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errors(403, 404) },
    },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    await ctx.db.tx((q) => revokeCredential(q, actor, request.params.id, request.params.keyId));
    return reply.status(204).send(null);
  });
}
