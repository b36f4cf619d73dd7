/** Gateway configuration, read and validated once at start-up; every problem is listed together. */
export interface GatewayConfig {
  /** Sustained requests per second per credential, and the burst it may spend at once. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Upper bound for `wait` on GET /orders (the contract allows 0–30 s). */
  maxLongPollSeconds: number;
  /** Fallback re-check of a waiting long-poll in case a notification was lost. */
  longPollFallbackMs: number;
  /** Long-polls one follower account may hold open at once; more are refused with 429. */
  maxLongPollsPerAccount: number;
  /**
   * A delivered order's stamp (first delivery time, status `delivered`) is written by its execution
   * report; orders still unreported this long after delivery are stamped together.
   */
  deliveryStampDelayMs: number;
  /** How long idempotency records are kept (≥ 24 h by contract). */
  idempotencyRetentionMs: number;
  /**
   * A signal batch in which one master has at least this many live subscriptions commits its
   * follower rows as one copy-journal row, projected right after the answer (0: never).
   */
  journalFromFollowers: number;
  timestampWindowMs: number;
  version: string;
}

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = {
  rateLimitPerSecond: 200,
  rateLimitBurst: 400,
  maxLongPollSeconds: 30,
  longPollFallbackMs: 1000,
  maxLongPollsPerAccount: 4,
  deliveryStampDelayMs: 1000,
  idempotencyRetentionMs: 48 * 3600_000,
  journalFromFollowers: 100,
  timestampWindowMs: 300_000,
  version: '0.1.0',
};

type Env = Record<string, string | undefined>;

function num(env: Env, name: string, fallback: number, problems: string[], min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    problems.push(`${name} must be a number between ${min} and ${max} (got '${raw}')`);
    return fallback;
  }
  return v;
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  const problems: string[] = [];
  const d = DEFAULT_GATEWAY_CONFIG;
  const config: GatewayConfig = {
    rateLimitPerSecond: num(env, 'KOPITRA_EA_RATE_LIMIT_RPS', d.rateLimitPerSecond, problems, 1, 1e6),
    rateLimitBurst: num(env, 'KOPITRA_EA_RATE_LIMIT_BURST', d.rateLimitBurst, problems, 1, 1e6),
    maxLongPollSeconds: num(env, 'KOPITRA_LONG_POLL_MAX_SECONDS', d.maxLongPollSeconds, problems, 0, 30),
    longPollFallbackMs: num(env, 'KOPITRA_LONG_POLL_FALLBACK_MS', d.longPollFallbackMs, problems, 50, 60_000),
    maxLongPollsPerAccount: num(env, 'KOPITRA_MAX_LONG_POLLS_PER_ACCOUNT', d.maxLongPollsPerAccount, problems, 1, 1000),
    deliveryStampDelayMs: num(env, 'KOPITRA_DELIVERY_STAMP_DELAY_MS', d.deliveryStampDelayMs, problems, 0, 60_000),
    idempotencyRetentionMs: num(env, 'KOPITRA_IDEMPOTENCY_RETENTION_HOURS', d.idempotencyRetentionMs / 3600_000, problems, 24, 24 * 30) * 3600_000,
    journalFromFollowers: num(env, 'KOPITRA_JOURNAL_FROM_FOLLOWERS', d.journalFromFollowers, problems, 0, 1e6),
    timestampWindowMs: d.timestampWindowMs,
    version: env.npm_package_version ?? d.version,
  };
  if (problems.length > 0) throw new Error(`invalid gateway configuration:\n- ${problems.join('\n- ')}`);
  return config;
}

/** What a standalone gateway process needs beside the gateway settings. */
export interface GatewayServerConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: Buffer | undefined;
  logLevel: string;
  poolSize: number;
  /** Rolled-back fan-outs planned before listening, on PostgreSQL (warm-up.ts); 0: none. */
  warmUpRounds: number;
  /** Rolled-back one-follower signals, each reported, before listening, on PostgreSQL (warm-up.ts); 0: none. */
  warmUpSignals: number;
  gateway: GatewayConfig;
}

export function loadGatewayServerConfig(env: Env): GatewayServerConfig {
  const problems: string[] = [];
  const port = num(env, 'PORT', 8081, problems, 0, 65535);
  const poolSize = num(env, 'KOPITRA_DB_POOL_SIZE', 10, problems, 1, 200);
  const warmUpRounds = num(env, 'KOPITRA_WARM_UP_ROUNDS', 6, problems, 0, 50);
  const warmUpSignals = num(env, 'KOPITRA_WARM_UP_SIGNALS', 400, problems, 0, 10_000);
  let secretKey: Buffer | undefined;
  if (env.KOPITRA_SECRET_KEY) {
    secretKey = Buffer.from(env.KOPITRA_SECRET_KEY, 'base64');
    if (secretKey.length !== 32) problems.push('KOPITRA_SECRET_KEY must be 32 bytes, base64-encoded');
  }
  let gateway = DEFAULT_GATEWAY_CONFIG;
  try {
    gateway = loadGatewayConfig(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new Error(`invalid gateway configuration:\n- ${problems.join('\n- ')}`);
  return {
    port, poolSize, warmUpRounds, warmUpSignals, secretKey, gateway,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.KOPITRA_DATA_DIR ?? './data',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
