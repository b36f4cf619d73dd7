import { Type } from '@sinclair/typebox';
import { Nullable } from '../http/schemas';
import type { TypedApp } from '../http/typed-app';
import type { AdminContext } from '../routes/context';

/** GET /auth/config (no auth): which sign-ins the console offers. Nothing secret: all of it is public OIDC metadata. */
export function registerAuthConfigRoute(app: TypedApp, ctx: AdminContext): void {
  app.get('/auth/config', {
    config: { adminAccess: 'public' },
    schema: {
      tags: ['auth'],
      response: {
        200: Type.Object({
          local: Type.Boolean(),
          oidc: Nullable(Type.Object({ issuer: Type.String(), clientId: Nullable(Type.String()), authorizeUrl: Type.String(), scopes: Type.Array(Type.String()) })),
        }),
      },
    },
  }, async () => {
    const o = ctx.config.oidc;
    return { local: true, oidc: o ? { issuer: o.issuer, clientId: o.clientId, authorizeUrl: o.authorizeUrl, scopes: o.scopes } : null };
  });
}
