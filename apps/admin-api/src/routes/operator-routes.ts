import { Type } from '@sinclair/typebox';
import { MIN_PASSWORD_LENGTH } from '../config';
import { principalOf } from '../auth/authenticate';
import { hashPassword } from '../auth/password-hash';
import { IdParams, Page, PageQuery, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import { createOperator, listOperators, updateOperator } from '../store';
import type { AdminContext } from './context';
import { Email, Role } from './auth-routes';

/** An operator as shown: never its password hash (the schema drops anything else). */
export const OperatorSchema = Type.Object({
  id: Type.String(), email: Type.String(), role: Role, disabled: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp,
});

const strict = { additionalProperties: false } as const;

export function registerOperatorRoutes(app: TypedApp, ctx: AdminContext): void {
  app.get('/operators', {
    config: { adminAccess: 'admin' },
    schema: { querystring: Type.Object(PageQuery, strict), response: { 200: Page(OperatorSchema), ...errors(400, 403) } },
  }, async (request) => listOperators(ctx.db, request.query));

  app.post('/operators', {
    config: { adminAccess: 'admin' },
    schema: {
      body: Type.Object({ email: Email, password: Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 }), role: Role }, strict),
      response: { 201: OperatorSchema, ...errors(400, 403, 409) },
    },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    const passwordHash = await hashPassword(request.body.password);
    const operator = await ctx.db.tx((q) => createOperator(q, actor, { email: request.body.email, role: request.body.role, passwordHash }));
    return reply.status(201).send(operator);
  });

  app.patch('/operators/:id', {
    config: { adminAccess: 'admin' },
    schema: {
      params: IdParams,
      body: Type.Object({ role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) }, strict),
      response: { 200: OperatorSchema, ...errors(400, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = principalOf(request).id;
    const operator = await ctx.db.tx((q) => updateOperator(q, actor, request.params.id, request.body));
    ctx.auth.forget(operator.id);
    return operator;
  });
}
