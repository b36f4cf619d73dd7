import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { errorBody } from '@kopitra/protocol';
import type { BlobStore, TaskQueue } from '@kopitra/storage';
import type { Db, SecretBox } from '@kopitra/store';
import { registerArtifactRoutes } from './artifacts/artifact-routes';
import { registerAuditRunRoutes } from './audit-runs/audit-run-routes';
import { registerAuthConfigRoute } from './auth/auth-config-route';
import { createAuthenticator } from './auth/authenticate';
import { createOidcVerifier } from './auth/oidc-verifier';
import { installSignInAudit } from './auth/sign-in-audit';
import { LoginThrottle } from './auth/login-throttle';
import { loadTokenSigningKey } from './auth/signing-key';
import type { AdminConfig } from './config';
import { adminErrorHandler } from './http/error-handler';
import { useJsonBodies } from './http/json-body';
import { typeboxValidatorCompiler } from './http/validator-compiler';
import { registerFlagRoutes } from './flags/flag-routes';
import { registerMonitoringRoutes } from './monitoring/monitoring-routes';
import { registerOpenApi } from './openapi/openapi-routes';
import { registerPreviewRoute } from './preview/preview-route';
import { registerAccountRoutes } from './routes/account-routes';
import { registerAuthRoutes } from './routes/auth-routes';
import type { AdminContext } from './routes/context';
import { registerCredentialRoutes } from './routes/credential-routes';
import { registerOperatorRoutes } from './routes/operator-routes';
import { registerSubscriptionRoutes } from './routes/subscription-routes';
import { registerTaskRoutes } from './tasks/task-routes';

/** What the management API is built from. */
export interface AdminApiDeps {
  db: Db;
  secretBox: SecretBox;
  config: AdminConfig;
  /** Used by `buildAdminApp` as the instance's logger; the plugin logs through the host's. */
  logger?: FastifyBaseLogger;
  /** Clock in ms since the epoch (tests); defaults to Date.now. */
  now?: () => number;
  /** Blob Storage for artifacts (EA logs, audit bundles); without it their content answers 503. */
  storage?: BlobStore;
  /** The task queue; without it task runs answer 503. */
  queue?: TaskQueue;
}

/** Log paths that never reach a log line: tokens, passwords, EA secrets. */
export const ADMIN_LOG_REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
  'password', 'secret', 'token', '*.password', '*.secret', '*.token', '*.passwordHash',
];

/**
 * The management API as a Fastify plugin: register it with `{ prefix: '/admin/v1', ...deps }`.
 * Its error handler, body parsing, validation and auth stay inside its own encapsulation
 * context, so it shares an instance with the gateway without either changing the other.
 */
export const adminApiPlugin: FastifyPluginAsync<AdminApiDeps> = async (instance, deps) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const now = deps.now ?? Date.now;
  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.setErrorHandler(adminErrorHandler);
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)));
  useJsonBodies(app, deps.config.bodyLimitBytes);

  const signingKey = await loadTokenSigningKey(deps.db, deps.secretBox);
  const ctx: AdminContext = {
    db: deps.db,
    secretBox: deps.secretBox,
    config: deps.config,
    signingKey,
    now,
    auth: createAuthenticator({
      db: deps.db, key: signingKey, cacheMs: deps.config.operatorCacheMs, now,
      oidc: deps.config.oidc ? createOidcVerifier(deps.config.oidc, now) : null,
    }),
    throttle: new LoginThrottle(deps.config.loginThrottle, now),
  };

  // Before the body is read: an unauthenticated or under-privileged call costs no parsing.
  // Routes that do not say otherwise are admin-only, so a forgotten declaration fails closed.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.adminAccess ?? 'admin';
    if (access === 'public') return;
    await ctx.auth.check(request, access);
  });

  // First: its onRoute hook describes every route registered after it.
  registerOpenApi(app);
  installSignInAudit(app, ctx);
  registerAuthRoutes(app, ctx);
  registerOperatorRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerCredentialRoutes(app, ctx);
  registerSubscriptionRoutes(app, ctx);
  registerAuthConfigRoute(app, ctx);
  registerAuditRunRoutes(app, ctx);
  registerMonitoringRoutes(app, ctx);
  registerFlagRoutes(app, ctx);
  registerPreviewRoute(app, ctx);
  registerTaskRoutes(app, ctx, deps);
  registerArtifactRoutes(app, ctx, deps);
};
