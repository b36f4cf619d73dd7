import type { RouteOptions } from 'fastify';
import { eaContractPaths } from './ea-contract-paths';
import { toJsonSchema } from './json-schema';

declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI: the operation's group (default: the path segment after /admin/v1). */
    tags?: string[];
    /** OpenAPI: what the operation does, beyond its schemas. */
    description?: string;
  }
}

export interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  access: string;
}

/** Fastify's `/a/:id` → OpenAPI's `/a/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function collectRoute(route: RouteOptions): CollectedRoute[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const access = (route.config as { adminAccess?: string } | undefined)?.adminAccess ?? 'admin';
  return methods
    .filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
    .map((method) => ({ method: method.toLowerCase(), url: route.url, schema: (route.schema ?? {}) as Record<string, unknown>, access }));
}

function parametersOf(where: 'path' | 'query', schema: unknown): unknown[] {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, p]) => ({
    name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: toJsonSchema(p),
  }));
}

const SECURITY_TEXT: Record<string, string> = {
  public: 'No authentication.',
  viewer: 'Bearer token; role viewer or higher.',
  operator: 'Bearer token; role operator or higher.',
  admin: 'Bearer token; role admin.',
};

/** The OpenAPI 3.1 document of the management API (from the registered route schemas) and the EA contract. */
export function buildOpenApi(routes: CollectedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const s = r.schema;
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
      const isStream = r.url.endsWith('/events');
      responses[status] = {
        description: Number(status) < 400 ? 'success' : 'error in the contract shape {"error":{"code","message"}}',
        content: isStream && Number(status) < 400 ? { 'text/event-stream': { schema: { type: 'string' } } } : { 'application/json': { schema: toJsonSchema(schema) } },
      };
    }
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'success' };
    const segment = r.url.split('/').filter(Boolean)[2] ?? 'misc';
    const op: Record<string, unknown> = {
      tags: Array.isArray(s.tags) ? s.tags : [segment],
      operationId: `${r.method}${openApiPath(r.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      description: [typeof s.description === 'string' ? s.description : null, SECURITY_TEXT[r.access] ?? null].filter(Boolean).join(' '),
      'x-kopitra-access': r.access,
      parameters: [...parametersOf('path', s.params), ...parametersOf('query', s.querystring)],
      responses,
      ...(r.access === 'public' ? { security: [] } : {}),
    };
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(s.body) } } };
    (paths[openApiPath(r.url)] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kopitra', version,
      description: 'The management API (/admin/v1, generated from its route schemas) and the EA ↔ gateway contract (/trade-agent/v1, tag ea-contract).',
    },
    tags: [{ name: 'ea-contract', description: 'Expert Advisor ↔ gateway, ea-protocol-v1.md: every call HMAC-signed' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /admin/v1/auth/login, or the configured OpenID Connect issuer\'s JWT' } } },
    security: [{ bearer: [] }],
    paths: { ...paths, ...eaContractPaths() },
  };
}
