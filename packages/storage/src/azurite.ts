import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { azuriteEntry } from './azurite-bundle';
import { azuriteConnectionString } from './connection-string';

export interface RunningAzurite {
  connectionString: string;
  blobPort: number;
  queuePort: number;
  pid: number;
  /** Stops Azurite (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * Starts Azurite (Blob, Queue; Table on a throw-away port), the one installed in node_modules, on
 * loopback ports, persisting under `location`. Port 0 (the default) lets the OS pick free ports;
 * the real ones are read from Azurite's start-up lines. Resolves once both services listen.
 * `entry`: the file to run, by default its bundle when up to date, else its own entry point (see
 * azurite-bundle.ts).
 */
export async function startAzurite(options: { location: string; blobPort?: number; queuePort?: number; entry?: string }): Promise<RunningAzurite> {
  mkdirSync(options.location, { recursive: true });
  const args = [
    options.entry ?? azuriteEntry(),
    '--skipApiVersionCheck', '--disableTelemetry', '--silent',
    '--location', options.location,
    '--blobHost', '127.0.0.1', '--blobPort', String(options.blobPort ?? 0),
    '--queueHost', '127.0.0.1', '--queuePort', String(options.queuePort ?? 0),
    '--tableHost', '127.0.0.1', '--tablePort', '0',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const ports = await new Promise<{ blob: number; queue: number }>((resolve, reject) => {
    const found: { blob?: number; queue?: number } = {};
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${START_TIMEOUT_MS} ms:\n${output.slice(-2000)}`)), START_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const m of output.matchAll(/Azurite (Blob|Queue) service is successfully listening at http:\/\/[^:\s]+:(\d+)/g)) {
        found[m[1] === 'Blob' ? 'blob' : 'queue'] = Number(m[2]);
      }
      if (found.blob !== undefined && found.queue !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve({ blob: found.blob, queue: found.queue });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.once('exit', (code) => fail(new Error(`Azurite exited (code ${code}) before it listened:\n${output.slice(-2000)}`)));
  });
  // Keep draining its output so a chatty Azurite never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  let closing: Promise<void> | null = null;
  return {
    connectionString: azuriteConnectionString(ports.blob, ports.queue),
    blobPort: ports.blob,
    queuePort: ports.queue,
    pid: child.pid ?? -1,
    close() {
      closing ??= stop(child, exited);
      return closing;
    },
  };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
