import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { principalOf } from '../auth/authenticate';
import { IdParams, Nullable, Page, PageQuery, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import { createAccount, getAccountView, listAccountViews, updateAccount } from '../store';
import type { AdminContext } from './context';

const strict = { additionalProperties: false } as const;
const AccountRole = Type.Union([Type.Literal('master'), Type.Literal('follower')]);
const Platform = Type.Union([Type.Literal('mt4'), Type.Literal('mt5')]);
const AccountStatus = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
const Name = Type.String({ minLength: 1, maxLength: 128 });
const Broker = Type.Object({ name: Name, server: Name }, strict);
/** MetaTrader logins are numbers; either form is accepted and kept as text. */
const Login = Type.Union([Type.String({ minLength: 1, maxLength: 32, pattern: '^\\S+$' }), Type.Integer({ minimum: 0 })]);
const Affix = Type.String({ maxLength: 16, pattern: '^\\S*$' });

export const AccountViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: AccountRole,
  platform: Platform,
  broker: Type.Object({ name: Type.String(), server: Type.String() }),
  login: Type.String(),
  status: AccountStatus,
  symbolPrefix: Type.String(),
  symbolSuffix: Type.String(),
  connectivity: Type.Object({ online: Type.Boolean(), lastHeartbeatAt: Nullable(Timestamp) }),
  balance: Nullable(Type.Number()),
  equity: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  subscriptions: Type.Array(Type.String()),
  credentials: Type.Array(Type.Object({ keyId: Type.String(), createdAt: Timestamp, revokedAt: Nullable(Timestamp) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export function registerAccountRoutes(app: TypedApp, ctx: AdminContext): void {
  const view = { onlineWindowMs: ctx.config.onlineWindowMs };
  const now = () => ({ ...view, now: new Date(ctx.now()) });

  app.get('/accounts', {
    config: { adminAccess: 'viewer' },
    schema: {
      querystring: Type.Object({ ...PageQuery, role: Type.Optional(AccountRole), status: Type.Optional(AccountStatus) }, strict),
      response: { 200: Page(AccountViewSchema), ...errors(400) },
    },
  }, async (request) => {
    const { limit, cursor, role, status } = request.query;
    return listAccountViews(ctx.db, { role, status }, { limit, cursor }, now());
  });

  app.post('/accounts', {
    config: { adminAccess: 'admin' },
    schema: {
      body: Type.Object({
        name: Name, role: AccountRole, platform: Platform, broker: Broker, login: Login,
        symbolPrefix: Type.Optional(Affix), symbolSuffix: Type.Optional(Affix),
      }, strict),
      response: { 201: AccountViewSchema, ...errors(400, 403) },
    },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    const body = request.body;
    const created = await ctx.db.tx(async (q) => {
      const account = await createAccount(q, actor, { ...body, login: String(body.login) });
      return (await getAccountView(q, account.id, now()))!;
    });
    return reply.status(201).send(created);
  });

  app.get('/accounts/:id', {
    config: { adminAccess: 'viewer' },
    schema: { params: IdParams, response: { 200: AccountViewSchema, ...errors(404) } },
  }, async (request) => {
    const account = await getAccountView(ctx.db, request.params.id, now());
    if (!account) throw new KopitraError('not_found', `account ${request.params.id} not found`);
    return account;
  });

  app.patch('/accounts/:id', {
    config: { adminAccess: 'admin' },
    schema: {
      params: IdParams,
      body: Type.Object({
        name: Type.Optional(Name), broker: Type.Optional(Broker), login: Type.Optional(Login), status: Type.Optional(AccountStatus),
        symbolPrefix: Type.Optional(Affix), symbolSuffix: Type.Optional(Affix),
      }, strict),
      response: { 200: AccountViewSchema, ...errors(400, 403, 404) },
    },
  }, async (request) => {
    const actor = principalOf(request).id;
    const { login, ...rest } = request.body;
    return ctx.db.tx(async (q) => {
      await updateAccount(q, actor, request.params.id, { ...rest, login: login === undefined ? undefined : String(login) });
      return (await getAccountView(q, request.params.id, now()))!;
    });
  });
}
