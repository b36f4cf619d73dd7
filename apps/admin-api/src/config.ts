/**
 * Configuration of the management API, read and validated once at start-up; every problem is
 * listed in one error so a bad deployment is fixed in one go. Nothing else reads the environment.
 */

export interface LoginThrottleConfig {
  /** Failed sign-ins per email within the window before that email is refused (429). */
  maxFailuresPerEmail: number;
  /** Failed sign-ins per client IP within the window before that IP is refused (429). */
  maxFailuresPerIp: number;
  windowMs: number;
}

export interface AdminConfig {
  /** Lifetime of a sign-in token. */
  tokenTtlSeconds: number;
  /** An account is online when its last EA heartbeat is at most this old. */
  onlineWindowMs: number;
  /** How long a token's operator (role, disabled) may be served from memory before re-reading it. */
  operatorCacheMs: number;
  /** Largest request body accepted. */
  bodyLimitBytes: number;
  loginThrottle: LoginThrottleConfig;
  /** The first admin, when both are set and no operator exists yet. */
  bootstrapAdmin: { email?: string | undefined; password?: string | undefined };
  /** OpenID Connect bearer tokens (Microsoft Entra ID in production); null = local sign-in only. */
  oidc: OidcConfig | null;
  /** Redis for dashboard read caching (`redis://[:password@]host:port[/db]`); null = no cache. */
  redisUrl: string | null;
  /** How long a dashboard read (metrics overview) may be served from the cache. */
  dashboardCacheSeconds: number;
  /** Interval of the `: ping` comment on the live event stream. */
  eventsHeartbeatMs: number;
}

export type OidcRole = 'viewer' | 'operator' | 'admin';

export interface OidcConfig {
  /** Expected `iss`, exactly (Entra: `https://login.microsoftonline.com/<tenant>/v2.0`). */
  issuer: string;
  /** Expected `aud` (Entra: the API's application id URI or client id). */
  audience: string;
  jwksUri: string;
  /** The console's public client id (shown by GET /auth/config). */
  clientId: string | null;
  /** Where the console sends the browser to sign in. */
  authorizeUrl: string;
  scopes: string[];
  /** Claim holding the role names (Entra app roles: `roles`). */
  roleClaim: string;
  /** Issuer role name → our role, e.g. {"Kopitra.Admin": "admin"}. */
  roleMap: Record<string, OidcRole>;
  /** When set, only tokens whose `tid` is this tenant are accepted. */
  tenantId: string | null;
}

export interface AdminServerConfig {
  admin: AdminConfig;
  databaseUrl: string;
  host: string;
  port: number;
  /** 32-byte key sealing EA secrets and the token signing key at rest. */
  secretKey: Buffer;
  logLevel: string;
  storage: StorageConfig;
}

/** Azure Storage: Blob for artifacts, Queue for task runs (Azurite locally). */
export interface StorageConfig {
  /** Account-key connection string; unset: the launcher starts Azurite, a standalone server runs without tasks and artifact content. */
  connectionString: string | undefined;
  taskQueue: string;
  blobContainer: string;
  /** Largest EA log upload, decoded (the 64 KiB body limit applies as well). */
  eaLogMaxBytes: number;
  /** Whether this process runs the task worker (`KOPITRA_TASK_WORKER=0` turns it off). */
  taskWorker: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export const MIN_PASSWORD_LENGTH = 8;
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+$';

/** Reads integers from env, collecting problems instead of throwing at the first one. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }

  str(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }
}

function readAdmin(r: Reader): AdminConfig {
  const email = r.str('KOPITRA_ADMIN_EMAIL');
  const password = r.str('KOPITRA_ADMIN_PASSWORD');
  if ((email === undefined) !== (password === undefined)) {
    r.problems.push('KOPITRA_ADMIN_EMAIL and KOPITRA_ADMIN_PASSWORD must be set together (or neither, for a generated admin password)');
  }
  if (email !== undefined && !new RegExp(EMAIL_PATTERN).test(email)) r.problems.push('KOPITRA_ADMIN_EMAIL must be an email address');
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    r.problems.push(`KOPITRA_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return {
    tokenTtlSeconds: r.int('KOPITRA_ADMIN_TOKEN_TTL_SECONDS', 8 * 3600, 60, 7 * 24 * 3600),
    onlineWindowMs: r.int('KOPITRA_ONLINE_WINDOW_SECONDS', 30, 1, 3600) * 1000,
    operatorCacheMs: r.int('KOPITRA_ADMIN_OPERATOR_CACHE_MS', 5000, 0, 60_000),
    bodyLimitBytes: r.int('KOPITRA_ADMIN_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    loginThrottle: {
      maxFailuresPerEmail: r.int('KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_EMAIL', 5, 1, 1000),
      maxFailuresPerIp: r.int('KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_IP', 50, 1, 100_000),
      windowMs: r.int('KOPITRA_ADMIN_LOGIN_WINDOW_SECONDS', 15 * 60, 1, 24 * 3600) * 1000,
    },
    bootstrapAdmin: { email, password },
    oidc: readOidc(r),
    redisUrl: readRedisUrl(r),
    dashboardCacheSeconds: r.int('KOPITRA_DASHBOARD_CACHE_SECONDS', 5, 1, 3600),
    eventsHeartbeatMs: r.int('KOPITRA_EVENTS_HEARTBEAT_SECONDS', 15, 1, 300) * 1000,
  };
}

const ROLES: readonly string[] = ['viewer', 'operator', 'admin'];

function readUrl(r: Reader, name: string, value: string): string {
  try {
    const u = new URL(value);
    const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) r.problems.push(`${name} must be an https URL (http only for localhost)`);
  } catch {
    r.problems.push(`${name} must be a URL (got "${value}")`);
  }
  return value;
}

function readOidc(r: Reader): OidcConfig | null {
  const issuer = r.str('KOPITRA_OIDC_ISSUER');
  const audience = r.str('KOPITRA_OIDC_AUDIENCE');
  const jwksUri = r.str('KOPITRA_OIDC_JWKS_URI');
  if (issuer === undefined && audience === undefined && jwksUri === undefined) return null;
  if (issuer === undefined || audience === undefined || jwksUri === undefined) {
    r.problems.push('KOPITRA_OIDC_ISSUER, KOPITRA_OIDC_AUDIENCE and KOPITRA_OIDC_JWKS_URI must be set together');
    return null;
  }
  readUrl(r, 'KOPITRA_OIDC_ISSUER', issuer);
  readUrl(r, 'KOPITRA_OIDC_JWKS_URI', jwksUri);
  let roleMap: Record<string, OidcRole> = {};
  const rawMap = r.str('KOPITRA_OIDC_ROLE_MAP');
  if (rawMap !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawMap);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      for (const [k, v] of Object.entries(parsed)) {
        if (typeof v !== 'string' || !ROLES.includes(v)) r.problems.push(`KOPITRA_OIDC_ROLE_MAP: "${k}" must map to viewer, operator or admin`);
      }
      roleMap = parsed as Record<string, OidcRole>;
    } catch {
      r.problems.push('KOPITRA_OIDC_ROLE_MAP must be a JSON object like {"Kopitra.Admin":"admin"}');
    }
  } else {
    roleMap = { 'Kopitra.Viewer': 'viewer', 'Kopitra.Operator': 'operator', 'Kopitra.Admin': 'admin' };
  }
  // Entra's v2 issuer ends in /v2.0 and its authorize endpoint is <tenant>/oauth2/v2.0/authorize.
  const derived = /\/v2\.0\/?$/.test(issuer) ? issuer.replace(/\/v2\.0\/?$/, '/oauth2/v2.0/authorize') : `${issuer.replace(/\/$/, '')}/authorize`;
  const authorizeUrl = readUrl(r, 'KOPITRA_OIDC_AUTHORIZE_URL', r.str('KOPITRA_OIDC_AUTHORIZE_URL') ?? derived);
  return {
    issuer, audience, jwksUri, authorizeUrl, roleMap,
    clientId: r.str('KOPITRA_OIDC_CLIENT_ID') ?? null,
    scopes: (r.str('KOPITRA_OIDC_SCOPES') ?? 'openid profile').split(/[\s,]+/).filter(Boolean),
    roleClaim: r.str('KOPITRA_OIDC_ROLE_CLAIM') ?? 'roles',
    tenantId: r.str('KOPITRA_OIDC_TENANT_ID') ?? null,
  };
}

function readRedisUrl(r: Reader): string | null {
  const raw = r.str('REDIS_URL');
  if (raw === undefined) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'redis:') r.problems.push('REDIS_URL must be redis://host:port (rediss:// is not supported by the built-in client)');
  } catch {
    r.problems.push(`REDIS_URL must be a URL like redis://127.0.0.1:6379 (got "${raw}")`);
  }
  return raw;
}

/** The management API's own settings (the launcher passes them to the plugin). */
export function loadAdminConfig(env: Env): AdminConfig {
  const r = new Reader(env);
  const config = readAdmin(r);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Settings of the standalone server (`server.ts`): the admin settings plus where to listen and what to open. */
export function loadAdminServerConfig(env: Env): AdminServerConfig {
  const r = new Reader(env);
  const admin = readAdmin(r);
  const databaseUrl = r.str('DATABASE_URL');
  if (!databaseUrl) r.problems.push('DATABASE_URL is required (postgres://…)');
  const port = r.int('PORT', 8082, 0, 65535);
  const keyRaw = r.str('KOPITRA_SECRET_KEY');
  let secretKey = Buffer.alloc(0);
  if (!keyRaw) r.problems.push('KOPITRA_SECRET_KEY is required (32 bytes, base64 or hex)');
  else {
    secretKey = /^[0-9a-fA-F]{64}$/.test(keyRaw) ? Buffer.from(keyRaw, 'hex') : Buffer.from(keyRaw, 'base64');
    if (secretKey.length !== 32) r.problems.push('KOPITRA_SECRET_KEY must decode to 32 bytes (base64 or 64 hex digits)');
  }
  const storage = readStorage(r);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return { admin, databaseUrl: databaseUrl!, host: r.str('HOST') ?? '0.0.0.0', port, secretKey, logLevel: r.str('LOG_LEVEL') ?? 'info', storage };
}

const STORAGE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

function readStorage(r: Reader): StorageConfig {
  const connectionString = r.str('AZURE_STORAGE_CONNECTION_STRING');
  if (connectionString !== undefined && !/AccountName=[^;]+/i.test(connectionString)) r.problems.push('AZURE_STORAGE_CONNECTION_STRING must be an account-key connection string (AccountName=…;AccountKey=…)');
  if (connectionString !== undefined && !/AccountKey=[^;]+/i.test(connectionString)) r.problems.push('AZURE_STORAGE_CONNECTION_STRING must carry an AccountKey (managed identity is not supported yet)');
  const taskQueue = r.str('KOPITRA_TASK_QUEUE') ?? 'kopitra-tasks';
  if (!STORAGE_NAME.test(taskQueue)) r.problems.push(`KOPITRA_TASK_QUEUE must be 3–63 lower-case letters, digits and single hyphens (got "${taskQueue}")`);
  const blobContainer = r.str('KOPITRA_BLOB_CONTAINER') ?? 'kopitra-artifacts';
  if (!STORAGE_NAME.test(blobContainer)) r.problems.push(`KOPITRA_BLOB_CONTAINER must be 3–63 lower-case letters, digits and single hyphens (got "${blobContainer}")`);
  const worker = r.str('KOPITRA_TASK_WORKER') ?? '1';
  if (worker !== '0' && worker !== '1') r.problems.push(`KOPITRA_TASK_WORKER must be 0 or 1 (got "${worker}")`);
  return {
    connectionString, taskQueue, blobContainer,
    eaLogMaxBytes: r.int('KOPITRA_EA_LOG_MAX_BYTES', 64 * 1024, 1024, 64 * 1024),
    taskWorker: worker !== '0',
  };
}

/** The storage settings alone (the launcher reads them beside its own). */
export function loadStorageConfig(env: Env): StorageConfig {
  const r = new Reader(env);
  const storage = readStorage(r);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return storage;
}
