import { loadStorageConfig, type StorageConfig } from '@kopitra/admin-api';
import { loadGatewayConfig, type GatewayConfig } from '@kopitra/gateway';

/** The launcher's configuration: read from the environment once, every problem listed together. */
export interface PlatformConfig {
  port: number;
  host: string;
  /** Real PostgreSQL when set; embedded PGlite under dataDir otherwise. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** 32-byte key sealing EA secrets (base64); generated into dataDir when absent. */
  secretKey: Buffer | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  gateway: GatewayConfig;
  /** Azure Storage (tasks, artifacts); without a connection string Azurite runs under `<dataDir>/azurite`. */
  storage: StorageConfig;
  env: Record<string, string | undefined>;
}

export function loadPlatformConfig(env: Record<string, string | undefined> = process.env): PlatformConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number (got '${env.PORT}')`);
  let secretKey: Buffer | undefined;
  if (env.KOPITRA_SECRET_KEY) {
    secretKey = Buffer.from(env.KOPITRA_SECRET_KEY, 'base64');
    if (secretKey.length !== 32) problems.push('KOPITRA_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  if ((env.KOPITRA_ADMIN_EMAIL === undefined) !== (env.KOPITRA_ADMIN_PASSWORD === undefined)) {
    problems.push('set both KOPITRA_ADMIN_EMAIL and KOPITRA_ADMIN_PASSWORD, or neither');
  }
  let gateway: GatewayConfig | undefined;
  try {
    gateway = loadGatewayConfig(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  let storage: StorageConfig | undefined;
  try {
    storage = loadStorageConfig(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0 || !gateway || !storage) throw new Error(`invalid configuration:\n- ${problems.join('\n- ')}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.KOPITRA_DATA_DIR ?? './data',
    secretKey,
    adminEmail: env.KOPITRA_ADMIN_EMAIL,
    adminPassword: env.KOPITRA_ADMIN_PASSWORD,
    logLevel,
    gateway,
    storage,
    env,
  };
}
