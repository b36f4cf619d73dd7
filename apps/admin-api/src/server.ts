import Fastify from 'fastify';
import { createSecretBox, openDb } from '@kopitra/store';
import { adminLoggerOptions } from './app';
import { ensureBootstrapAdmin } from './bootstrap-admin';
import { ConfigError, loadAdminServerConfig } from './config';
import { adminApiPlugin } from './plugin';

/** Standalone start: `DATABASE_URL=… KOPITRA_SECRET_KEY=… PORT=8082 tsx apps/admin-api/src/server.ts`. */
async function main(): Promise<void> {
  let config;
  try {
    // The one place the environment is read.
    config = loadAdminServerConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const app = Fastify({ logger: adminLoggerOptions(config.logLevel) });
  const db = await openDb({ databaseUrl: config.databaseUrl });
  const secretBox = createSecretBox(config.secretKey);

  const boot = await ensureBootstrapAdmin(db, config.admin.bootstrapAdmin);
  if (boot.created && boot.password) {
    // In the message, not a field: field redaction would hide it, and it is shown this once.
    app.log.warn(`created admin ${boot.email} with generated password ${boot.password} — shown once, change it`);
  } else if (boot.created) {
    app.log.info(`created admin ${boot.email} from KOPITRA_ADMIN_EMAIL / KOPITRA_ADMIN_PASSWORD`);
  }

  await app.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox, config: config.admin });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const url = await app.listen({ host: config.host, port: config.port });
  // One machine-readable line for supervisors and tests (as the gateway does).
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'admin-api', url, pid: process.pid }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`admin-api failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
