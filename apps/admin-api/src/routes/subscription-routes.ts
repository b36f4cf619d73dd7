import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { principalOf } from '../auth/authenticate';
import { bodyValidatedBy } from '../http/validator-compiler';
import { IdParam, IdParams, Nullable, Page, PageQuery, Timestamp, errors } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, updateSubscription, type Subscription } from '../store';
import {
  SubscriptionSettingsInputSchema, SubscriptionSettingsPatchSchema, SubscriptionSettingsSchema,
  mergeSubscriptionSettings, normaliseSubscriptionSettings, type SubscriptionSettings,
} from '../subscription-settings';
import type { AdminContext } from './context';

const strict = { additionalProperties: false } as const;

export const SubscriptionSchema = Type.Object({
  id: Type.String(),
  masterAccountId: Type.String(),
  followerAccountId: Type.String(),
  ...SubscriptionSettingsSchema.properties,
  pausedReason: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateBody = Type.Object({ masterAccountId: IdParam, followerAccountId: IdParam, ...SubscriptionSettingsInputSchema.properties }, strict);

function toResponse(s: Subscription<SubscriptionSettings>) {
  return {
    id: s.id, masterAccountId: s.masterAccountId, followerAccountId: s.followerAccountId,
    ...s.settings, pausedReason: s.pausedReason, createdAt: s.createdAt, updatedAt: s.updatedAt,
  };
}

function field(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) throw new KopitraError('invalid_payload', `${name}: expected an account id`);
  return v;
}

/** Settings are validated by the shared normaliser (one set of rules, messages naming the field). */
function validateCreate(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KopitraError('invalid_payload', 'body: expected object');
  const { masterAccountId, followerAccountId, ...settings } = body as Record<string, unknown>;
  return {
    masterAccountId: field({ masterAccountId }, 'masterAccountId'),
    followerAccountId: field({ followerAccountId }, 'followerAccountId'),
    ...normaliseSubscriptionSettings(settings),
  };
}

/** Every setting present must be valid on its own; the whole is re-validated against the stored one. */
const PATCH_PROBE = normaliseSubscriptionSettings({ sizing: { mode: 'fixed', lots: 1 } });
function validatePatch(body: unknown): unknown {
  mergeSubscriptionSettings(PATCH_PROBE, body);
  return body;
}

export function registerSubscriptionRoutes(app: TypedApp, ctx: AdminContext): void {
  app.post('/subscriptions', {
    config: { adminAccess: 'operator' },
    validatorCompiler: bodyValidatedBy(validateCreate),
    schema: { body: CreateBody, response: { 201: SubscriptionSchema, ...errors(400, 403, 409) } },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    const { masterAccountId, followerAccountId, ...input } = request.body;
    const settings = normaliseSubscriptionSettings(input);
    const sub = await ctx.db.tx((q) => createSubscription(q, actor, { masterAccountId, followerAccountId, settings }));
    return reply.status(201).send(toResponse(sub));
  });

  app.get('/subscriptions', {
    config: { adminAccess: 'viewer' },
    schema: {
      querystring: Type.Object({
        ...PageQuery,
        masterAccountId: Type.Optional(IdParam),
        followerAccountId: Type.Optional(IdParam),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])),
      }, strict),
      response: { 200: Page(SubscriptionSchema), ...errors(400) },
    },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    const page = await listSubscriptions<SubscriptionSettings>(ctx.db, filter, { limit, cursor });
    return { items: page.items.map(toResponse), nextCursor: page.nextCursor };
  });

  app.get('/subscriptions/:id', {
    config: { adminAccess: 'viewer' },
    schema: { params: IdParams, response: { 200: SubscriptionSchema, ...errors(404) } },
  }, async (request) => {
    const sub = await getSubscription<SubscriptionSettings>(ctx.db, request.params.id);
    if (!sub) throw new KopitraError('not_found', `subscription ${request.params.id} not found`);
    return toResponse(sub);
  });

  app.patch('/subscriptions/:id', {
    config: { adminAccess: 'operator' },
    validatorCompiler: bodyValidatedBy(validatePatch),
    schema: { params: IdParams, body: SubscriptionSettingsPatchSchema, response: { 200: SubscriptionSchema, ...errors(400, 403, 404) } },
  }, async (request) => {
    const actor = principalOf(request).id;
    const sub = await ctx.db.tx((q) =>
      updateSubscription<SubscriptionSettings>(q, actor, request.params.id, (current) => mergeSubscriptionSettings(current, request.body)));
    return toResponse(sub);
  });

  app.delete('/subscriptions/:id', {
    config: { adminAccess: 'operator' },
    schema: { params: IdParams, response: { 204: Type.Null(), ...errors(403, 404) } },
  }, async (request, reply) => {
    const actor = principalOf(request).id;
    await ctx.db.tx((q) => deleteSubscription(q, actor, request.params.id));
    return reply.status(204).send(null);
  });
}
