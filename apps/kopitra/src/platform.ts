import Fastify, { type FastifyInstance } from 'fastify';
import { adminApiPlugin, createTaskWorker, ensureBootstrapAdmin, loadAdminConfig, type BootstrapResult } from '@kopitra/admin-api';
import { gatewayPlugin, readOrCreateSecretKey, type GatewayContext } from '@kopitra/gateway';
import { createMetrics, loggerOptions, registerMetrics, requestLogOptions } from '@kopitra/observability';
import { EA_BASE_PATH, answerFrameworkError } from '@kopitra/protocol';
import { openStorage, startAzurite, type RunningAzurite } from '@kopitra/storage';
import { createSecretBox, openDb, type Db } from '@kopitra/store';
import { join } from 'node:path';
import { buildConsole, DEFAULT_DIST_DIR, needsBuild, registerOpsConsole } from '@kopitra/opsconsole';
import type { PlatformConfig } from './config';

export interface RunningPlatform {
  app: FastifyInstance;
  db: Db;
  url: string;
  gateway: GatewayContext;
  admin: BootstrapResult;
  close(): Promise<void>;
}

/**
 * Gateway + management API in one process on one port: `/trade-agent/v1`, `/admin/v1`, and `/`
 * for the console. Embedded PGlite unless DATABASE_URL names a real PostgreSQL.
 */
export async function startPlatform(config: PlatformConfig, opts: { logger?: boolean } = {}): Promise<RunningPlatform> {
  // The slow parts start together: the database (PGlite's first open takes seconds), Azurite (a
  // child process) for the embedded default, and the console's first build.
  const azuriteStarting: Promise<RunningAzurite | undefined> = config.storage.connectionString
    ? Promise.resolve(undefined)
    : startAzurite({ location: join(config.dataDir, 'azurite') });
  const consoleBuilt = needsBuild(DEFAULT_DIST_DIR) ? buildConsole(DEFAULT_DIST_DIR) : Promise.resolve();
  const [dbResult, azuriteResult, consoleResult] = await Promise.allSettled([
    openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), azuriteStarting, consoleBuilt,
  ]);
  const failure = [dbResult, azuriteResult, consoleResult].find((r) => r.status === 'rejected');
  if (failure) {
    if (dbResult.status === 'fulfilled') await dbResult.value.close().catch(() => {});
    if (azuriteResult.status === 'fulfilled') await azuriteResult.value?.close().catch(() => {});
    throw (failure as PromiseRejectedResult).reason;
  }
  const db = (dbResult as PromiseFulfilledResult<Db>).value;
  // On PostgreSQL the gateway gets its own pool with sessions tuned for the copy path; embedded
  // PGlite is one instance per process, shared.
  const gatewayDb = config.databaseUrl ? await openDb({ databaseUrl: config.databaseUrl, migrate: false, copyPath: true }) : db;
  const azurite = (azuriteResult as PromiseFulfilledResult<RunningAzurite | undefined>).value;
  const secretBox = createSecretBox(config.secretKey ?? readOrCreateSecretKey(config.dataDir));
  const [admin, storage] = await Promise.all([
    ensureBootstrapAdmin(db, { email: config.adminEmail, password: config.adminPassword }),
    // Tasks and artifacts: the configured storage account, or the Azurite started above.
    openStorage({ connectionString: config.storage.connectionString ?? azurite!.connectionString, container: config.storage.blobContainer, queue: config.storage.taskQueue }),
  ]);
  const app = Fastify({
    frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply),
    logger: opts.logger === false ? false : {
      level: config.logLevel,
      // Request URLs with `?access_token=` (the console's event stream) are logged censored.
      serializers: loggerOptions('kopitra', config.logLevel).serializers,
      redact: { paths: ['req.headers.authorization', 'req.headers["x-kopitra-signature"]', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    },
    ...requestLogOptions(),
    keepAliveTimeout: 65_000,
    // A request must arrive whole within 15 s (slow-body clients are cut off); long-poll answers are not limited by this.
    requestTimeout: 15_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // Headers must arrive within 10 s (a client trickling them is cut off; Node checks every 30 s).
  app.server.headersTimeout = 10_000;
  let gateway: GatewayContext | undefined;
  // GET /metrics (Prometheus); registered before the plugins so its timing hooks reach their routes.
  const metrics = createMetrics();
  metrics.setLongPollSource(() => gateway?.hub.waiting ?? 0);
  metrics.setCommitSource(() => ({
    signals: gateway?.signals.committed ?? { statement: 0, transaction: 0 }, executions: gateway?.executions.committed ?? { statement: 0, transaction: 0 },
  }));
  registerMetrics(app, metrics);
  await app.register(gatewayPlugin, {
    prefix: EA_BASE_PATH, db: gatewayDb, secretBox, config: config.gateway, storage: { blobs: storage.blobs, maxBytes: config.storage.eaLogMaxBytes },
    onContext: (ctx) => { gateway = ctx; },
  });
  await app.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox, config: loadAdminConfig(config.env), storage: storage.blobs, queue: storage.queue });
  await registerOpsConsole(app, {});
  const address = await app.listen({ port: config.port, host: config.host });
  const worker = config.storage.taskWorker ? createTaskWorker({ db, secretBox, queue: storage.queue, blobs: storage.blobs, logger: app.log }) : undefined;
  worker?.start();
  const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  let closed = false;
  return {
    app, db, url, gateway: gateway!, admin,
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop();
      await app.close();
      if (gatewayDb !== db) await gatewayDb.close();
      await db.close();
      await azurite?.close();
    },
  };
}
