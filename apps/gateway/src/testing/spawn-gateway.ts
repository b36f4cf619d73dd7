import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { GATEWAY_NODE_FLAGS } from '../node-flags';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

export interface SpawnedGateway {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a real gateway process with the flags it is deployed with and resolves once it listens:
 * the TypeScript source through tsx, or `bundle` — the image's esbuild bundle (buildImageLayout in
 * infra/build/bundle-services.mjs) run by plain node, as the container runs it.
 */
export function spawnGateway(env: Record<string, string>, timeoutMs = 20_000, nodeArgs: string[] = [], bundle?: string): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...nodeArgs, ...(bundle === undefined ? ['--import', 'tsx', SERVER] : [bundle])], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: process.env.KOPITRA_TEST_GATEWAY_LOG ?? 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  if (process.env.KOPITRA_TEST_GATEWAY_LOG) child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`gateway did not start in ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}) before listening: ${stderr}`)); });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; url?: string };
        if (msg.event === 'listening' && msg.url) {
          clearTimeout(timer);
          resolve({
            url: msg.url, child, exited,
            kill: (signal = 'SIGTERM') => { child.kill(signal); return exited; },
          });
        }
      } catch { /* not ours */ }
    });
  });
}

/** A loopback port free right now (to restart a process on the same address). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
