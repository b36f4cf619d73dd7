// Real service processes for the infra tests: spawn, wait until the health route answers 200,
// measure start-to-healthy time and resident memory, stop with a signal and time the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, TEST_SECRET_KEY } from '@kopitra/gateway/testing';
import { GATEWAY_NODE_FLAGS } from '../../../apps/gateway/src/node-flags';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'gateway' | 'admin-api';

/** Each service's entry and health route, and the node flags its container runs with (its Dockerfile's CMD). */
export const SERVICES: Record<ServiceName, { source: string; healthPath: string; nodeFlags: readonly string[] }> = {
  gateway: { source: 'apps/gateway/src/server.ts', healthPath: '/trade-agent/v1/health', nodeFlags: GATEWAY_NODE_FLAGS },
  'admin-api': { source: 'apps/admin-api/src/server.ts', healthPath: '/admin/v1/health', nodeFlags: [] },
};

/** The fixtures' secret box key (`testSecretBox` in @kopitra/gateway/testing), base64. */


/** Resident set size of a process in KiB, from /proc (Linux). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  pid: number;
  /** From spawn() to the first 200 of the health route. */
  startToHealthyMs: number;
  /** The health route, or 'fallback' when it answered 404 and fallbackReady said ready. */
  probe: string;
  health: unknown;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends the signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Run this file with plain node (an esbuild bundle) instead of the TypeScript source via tsx. */
  bundle?: string;
  timeoutMs?: number;
  /**
   * Readiness evidence while a service's health route is not there yet (404): e.g. a sign-in that
   * must reach the database. `probe` in the result says which one answered.
   */
  fallbackReady?: (url: string) => Promise<boolean>;
}

/** Starts a service as production would (env only) and resolves once its health route says 200. */
export async function startService(name: ServiceName, options: StartOptions): Promise<RunningService> {
  const spec = SERVICES[name];
  const port = options.env.PORT ?? String(await freePort());
  const args = [...spec.nodeFlags, ...(options.bundle ? [options.bundle] : ['--import', 'tsx', spec.source])];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // Only what a container would get: PATH for tsx's resolution, nothing else from the test's env.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  let dead = false;
  void exited.then(() => { dead = true; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.timeoutMs ?? 30_000);
  let health: unknown;
  let probe = spec.healthPath;
  for (;;) {
    if (dead) throw new Error(`${name} exited before it was healthy:\n${out}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not healthy within ${options.timeoutMs ?? 30_000} ms:\n${out}`);
    }
    try {
      const res = await fetch(url + spec.healthPath, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        health = await res.json();
        break;
      }
      await res.arrayBuffer();
      if (res.status === 404 && options.fallbackReady && (await options.fallbackReady(url))) {
        probe = 'fallback';
        health = { status: 'ok', probe };
        break;
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  const startToHealthyMs = performance.now() - started;
  return {
    name, url, child, pid: child.pid!, startToHealthyMs, probe, health, exited,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const sent = performance.now();
      if (!dead) child.kill(signal);
      const e = await exited;
      return { code: e.code, signal: e.signal, ms: Math.max(0, e.at - sent) };
    },
  };
}

export interface Azurite {
  connectionString: string;
  blobPort: number;
  queuePort: number;
  stop(): Promise<void>;
}

/** A real Azurite (blob + queue) on free ports, in memory. */
export async function startAzurite(): Promise<Azurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(`${ROOT}node_modules/.bin/azurite`, [
    '--blobPort', String(blobPort), '--queuePort', String(queuePort), '--tablePort', String(tablePort),
    '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--silent', '--loose',
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20_000;
  for (const port of [blobPort, queuePort]) {
    for (;;) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); r(true); });
        s.once('error', () => r(false));
      });
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) { child.kill('SIGKILL'); throw new Error(`azurite did not start: ${out}`); }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const account = 'devstoreaccount1';
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  return {
    blobPort, queuePort,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=http://127.0.0.1:${blobPort}/${account};QueueEndpoint=http://127.0.0.1:${queuePort}/${account};`,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export { freePort, TEST_SECRET_KEY };
