import type { TypedApp } from '../http/typed-app';
import { docsPage } from './docs-page';
import { buildOpenApi, collectRoute, type CollectedRoute } from './openapi-document';

/**
 * GET /openapi.json and GET /docs (no auth: the description holds no data). Register this first:
 * its `onRoute` hook collects every route registered after it in the plugin, whoever adds them.
 */
export function registerOpenApi(app: TypedApp, options: { version?: string } = {}): void {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(...collectRoute(route));
  });
  let cached: string | null = null;
  app.get('/openapi.json', { config: { adminAccess: 'public' }, schema: { tags: ['docs'] } }, async (_request, reply) => {
    cached ??= JSON.stringify(buildOpenApi(routes, options.version ?? '1.0.0'));
    return reply.type('application/json; charset=utf-8').send(cached);
  });
  app.get('/docs', { config: { adminAccess: 'public' }, schema: { tags: ['docs'] } }, async (request, reply) => {
    const base = (request.routeOptions.url ?? '/docs').replace(/\/docs$/, '');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'").send(docsPage(`${base}/openapi.json`));
  });
}
