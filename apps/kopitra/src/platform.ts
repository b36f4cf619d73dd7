import Fastify, { type FastifyInstance } from 'fastify';
import { adminApiPlugin, createTaskWorker, ensureBootstrapAdmin, loadAdminConfig, type BootstrapResult } from '@kopitra/admin-api';
import { gatewayPlugin, readOrCreateSecretKey, type GatewayContext } from '@kopitra/gateway';
import { createMetrics, loggerOptions, registerMetrics } from '@kopitra/observability';
import { EA_BASE_PATH } from '@kopitra/protocol';
import { openStorage, startAzurite, type RunningAzurite } from '@kopitra/storage';
import { createSecretBox, openDb, type Db } from '@kopitra/store';
import type { PlatformConfig } from './config';
import { join } from 'node:path';
import { registerOpsConsole } from '@kopitra/opsconsole';


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
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const secretBox = createSecretBox(config.secretKey ?? readOrCreateSecretKey(config.dataDir));
  const admin = await ensureBootstrapAdmin(db, { email: config.adminEmail, password: config.adminPassword });
  // Tasks and artifacts: the configured storage account, or Azurite from node_modules for the embedded default.
  const azurite: RunningAzurite | undefined = config.storage.connectionString ? undefined : await startAzurite({ location: join(config.dataDir, 'azurite') });
  const storage = await openStorage({ connectionString: config.storage.connectionString ?? azurite!.connectionString, container: config.storage.blobContainer, queue: config.storage.taskQueue });
  const app = Fastify({
    logger: opts.logger === false ? false : {
      level: config.logLevel,
      // Request URLs with `?access_token=` (the console's event stream) are logged censored.
      serializers: loggerOptions('kopitra', config.logLevel).serializers,
      redact: { paths: ['req.headers.authorization', 'req.headers["x-kopitra-signature"]', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    },
    keepAliveTimeout: 65_000,
    // A request must arrive whole within 15 s (slow-body clients are cut off); long-poll answers are not limited by this.
    requestTimeout: 15_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  let gateway: GatewayContext | undefined;
  // GET /metrics (Prometheus); registered before the plugins so its timing hooks reach their routes.
  const metrics = createMetrics();
  metrics.setLongPollSource(() => gateway?.hub.waiting ?? 0);
  registerMetrics(app, metrics);
  await app.register(gatewayPlugin, {
    prefix: EA_BASE_PATH, db, secretBox, config: config.gateway, storage: { blobs: storage.blobs, maxBytes: config.storage.eaLogMaxBytes },
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
      await db.close();
      await azurite?.close();
    },
  };
}
