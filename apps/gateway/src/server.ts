#!/usr/bin/env node
// The gateway alone: `tsx apps/gateway/src/server.ts` with DATABASE_URL (or embedded PGlite), PORT, KOPITRA_SECRET_KEY.
import { createMetrics, loggerOptions, readObservabilityEnv, registerMetrics, requestIdOptions, requestLogOptions, startTelemetry } from '@kopitra/observability';
import { createSecretBox, openDb } from '@kopitra/store';
import Fastify from 'fastify';
import { EA_BASE_PATH, answerFrameworkError } from '@kopitra/protocol';
import { gatewayPlugin } from './plugin';
import { loadGatewayServerConfig } from './config';
import { readOrCreateSecretKey } from './secret-key-file';
import { warmUpCopyPath, type WarmUpResult } from './warm-up';

/** The warm-up's fan-out: a master with a thousand followers (the bench's; the journal's way). */
const WARM_UP_FOLLOWERS = 1000;

async function main(): Promise<void> {
  const config = loadGatewayServerConfig(process.env);
  const telemetry = await startTelemetry(readObservabilityEnv(process.env).appInsightsConnectionString);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize, copyPath: true });
  const secretBox = createSecretBox(config.secretKey ?? readOrCreateSecretKey(config.dataDir));
  // The instance buildGatewayApp makes, with GET /metrics registered first so its timing and
  // copy-path hooks reach the gateway's routes.
  const app = Fastify({
    frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply),
    logger: config.logLevel === 'silent' ? false : loggerOptions('gateway', config.logLevel), ...requestIdOptions, ...requestLogOptions(),
    keepAliveTimeout: 65_000, requestTimeout: 15_000, return503OnClosing: true, forceCloseConnections: 'idle',
  });
  // Headers must arrive within 10 s (a client trickling them is cut off; Node checks every 30 s).
  app.server.headersTimeout = 10_000;
  const metrics = createMetrics();
  registerMetrics(app, metrics);
  await app.register(gatewayPlugin, {
    prefix: EA_BASE_PATH, db, secretBox, config: config.gateway,
    onContext: (ctx) => {
      metrics.setLongPollSource(() => ctx.hub.waiting);
      metrics.setCommitSource(() => ({ signals: ctx.signals.committed, executions: ctx.executions.committed }));
    },
  });
  // On PostgreSQL (the deployed backend) the fan-out's code and the everyday path's (a signal with
  // one follower, its report) are compiled before the first request (warm-up.ts): ≈ 0.5 + 0.9 s
  // more to start. Not on embedded PGlite, whose one connection it would hold. A warm-up that fails
  // only costs the first signals their speed.
  let warmUpMs: number[] = [];
  let warmUpSignals: WarmUpResult['signals'] | null = null;
  if (db.kind === 'postgres' && (config.warmUpRounds > 0 || config.warmUpSignals > 0)) {
    await app.ready();
    try {
      // The way the gateway's own fan-outs go: through the copy journal unless it is off (0).
      const journalFrom = config.gateway.journalFromFollowers > 0 ? config.gateway.journalFromFollowers : undefined;
      const warm = await warmUpCopyPath(db, { followers: WARM_UP_FOLLOWERS, rounds: config.warmUpRounds, journalFrom, signals: config.warmUpSignals });
      warmUpMs = warm.roundsMs;
      warmUpSignals = warm.signals ?? null;
    } catch (e) {
      app.log.warn({ err: e }, 'copy path warm-up failed');
    }
  }
  const url = await app.listen({ port: config.port, host: config.host });
  // One machine-readable line for supervisors and tests.
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'gateway', url, pid: process.pid, warmUpMs, warmUpSignals }) + '\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(() => db.close()).then(() => telemetry.shutdown()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
