// A private PostgreSQL cluster for tests that stop the database: the machine's shared server
// (5432) is never touched. Needs root and the Debian postgresql-common tools (pg_createcluster).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { freePort } from '@kopitra/gateway/testing';

export interface PgCluster {
  name: string;
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  start(): void;
  /** Fast shutdown: every connection is cut, as in an outage. */
  stop(): void;
  drop(): void;
}

/** The installed major version, or undefined when the cluster tools are missing or we are not root. */
export function pgClusterSupport(): string | undefined {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/pg_createcluster') || !existsSync('/etc/postgresql')) return undefined;
  return readdirSync('/etc/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
}


export async function createPgCluster(version: string): Promise<PgCluster> {
  const name = `kopitra_chaos_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  run('pg_createcluster', [version, name, '--port', String(port), '--', '--auth-local=trust', '--auth-host=trust']);
  const cluster: PgCluster = {
    name, port, url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => { run('pg_ctlcluster', [version, name, 'start']); },
    stop: () => { run('pg_ctlcluster', ['--mode', 'fast', version, name, 'stop']); },
    drop: () => { try { run('pg_dropcluster', ['--stop', version, name]); } catch { /* already gone */ } },
  };
  try {
    cluster.start();
  } catch (e) {
    cluster.drop();
    throw e;
  }
  return cluster;
}

export { freePort };
