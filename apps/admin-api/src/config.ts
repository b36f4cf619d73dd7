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
}

export interface AdminServerConfig {
  admin: AdminConfig;
  databaseUrl: string;
  host: string;
  port: number;
  /** 32-byte key sealing EA secrets and the token signing key at rest. */
  secretKey: Buffer;
  logLevel: string;
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
  };
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
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return { admin, databaseUrl: databaseUrl!, host: r.str('HOST') ?? '0.0.0.0', port, secretKey, logLevel: r.str('LOG_LEVEL') ?? 'info' };
}
