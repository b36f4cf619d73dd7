#!/usr/bin/env node
// The gateway alone: `tsx apps/gateway/src/server.ts` with DATABASE_URL (or embedded PGlite), PORT, KOPITRA_SECRET_KEY.
import { createSecretBox, openDb } from '@kopitra/store';
import { buildGatewayApp } from './app';
import { loadGatewayServerConfig } from './config';
import { readOrCreateSecretKey } from './secret-key-file';

async function main(): Promise<void> {
  const config = loadGatewayServerConfig(process.env);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  const secretBox = createSecretBox(config.secretKey ?? readOrCreateSecretKey(config.dataDir));
  const app = await buildGatewayApp({ db, secretBox, config: config.gateway, logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  const url = await app.listen({ port: config.port, host: config.host });
  // One machine-readable line for supervisors and tests.
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'gateway', url, pid: process.pid }) + '\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(() => db.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
