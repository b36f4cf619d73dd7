import { answerFrameworkError } from '@kopitra/protocol';
import Fastify from 'fastify';
import { openStorage, type PlatformStorage } from '@kopitra/storage';
import { createMetrics, loggerOptions, readObservabilityEnv, registerMetrics, requestIdOptions, requestLogOptions, startTelemetry } from '@kopitra/observability';
import { createSecretBox, openDb } from '@kopitra/store';
import { ensureBootstrapAdmin } from './bootstrap-admin';
import { ConfigError, loadAdminServerConfig } from './config';
import { adminApiPlugin } from './plugin';
import { createTaskWorker, type TaskWorker } from './tasks';

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
  const telemetry = await startTelemetry(readObservabilityEnv(process.env).appInsightsConnectionString);
  // pino JSON lines with request ids; its redaction covers ADMIN_LOG_REDACT and more (tokens in URLs too).
  const app = Fastify({
    logger: loggerOptions('admin-api', config.logLevel), ...requestIdOptions, ...requestLogOptions(),
    requestTimeout: 15_000, // slow-body clients are cut off; the SSE stream's response is not limited by this
    frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply),
  });
  // Headers must arrive within 10 s (a client trickling them is cut off; Node checks every 30 s).
  app.server.headersTimeout = 10_000;
  // GET /metrics, before the plugin so request timing reaches its routes.
  registerMetrics(app, createMetrics());
  const db = await openDb({ databaseUrl: config.databaseUrl });
  const secretBox = createSecretBox(config.secretKey);

  const boot = await ensureBootstrapAdmin(db, config.admin.bootstrapAdmin);
  if (boot.created && boot.password) {
    // In the message, not a field: field redaction would hide it, and it is shown this once.
    app.log.warn(`created admin ${boot.email} with generated password ${boot.password} — shown once, change it`);
  } else if (boot.created) {
    app.log.info(`created admin ${boot.email} from KOPITRA_ADMIN_EMAIL / KOPITRA_ADMIN_PASSWORD`);
  }

  // Tasks and artifact content need Azure Storage; without a connection string they answer 503.
  let storage: PlatformStorage | undefined;
  const sc = config.storage;
  if (sc.connectionString) storage = await openStorage({ connectionString: sc.connectionString, container: sc.blobContainer, queue: sc.taskQueue });
  else app.log.warn('AZURE_STORAGE_CONNECTION_STRING is not set: tasks and artifact downloads are unavailable');
  await app.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox, config: config.admin, ...(storage ? { storage: storage.blobs, queue: storage.queue } : {}) });
  let worker: TaskWorker | undefined;
  if (storage && sc.taskWorker) {
    worker = createTaskWorker({ db, secretBox, queue: storage.queue, blobs: storage.blobs, logger: app.log });
    worker.start();
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await worker?.stop();
    await app.close();
    await db.close();
    await telemetry.shutdown();
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
