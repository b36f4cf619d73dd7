import type { PlatformConfig } from './config';
import { startPlatform, type RunningPlatform } from './platform';

/** Graceful shutdown: stop taking requests, release long-polls, finish in-flight commits. */
export function closeOnSignals(p: RunningPlatform, log: (msg: string) => void = console.log): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    p.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function runUp(config: PlatformConfig): Promise<void> {
  const started = performance.now();
  const p = await startPlatform(config, { logger: config.logLevel !== 'silent' });
  closeOnSignals(p);
  const ms = Math.round(performance.now() - started);
  const lines = [
    '',
    `Kopitra is up in ${ms} ms (${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`})`,
    `  console         ${p.url}/`,
    `  EA gateway      ${p.url}/trade-agent/v1   (health: ${p.url}/trade-agent/v1/health)`,
    `  management API  ${p.url}/admin/v1`,
    p.admin.password
      ? `  admin login     ${p.admin.email} / ${p.admin.password}   (generated now, shown once)`
      : p.admin.created
        ? `  admin login     ${p.admin.email} (password from KOPITRA_ADMIN_PASSWORD)`
        : `  admin login     operators already exist in this database; sign in with yours`,
    '',
  ];
  console.log(lines.join('\n'));
}
