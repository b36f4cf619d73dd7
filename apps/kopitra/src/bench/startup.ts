import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@kopitra/gateway/testing';

export interface StartupFigures {
  /** From spawning `npm start` until the gateway's health answers 200. */
  healthyMs: number;
  /**
   * The launcher's own start as it prints it (`Kopitra is up in N ms`: from its first line to
   * listening), null if it did not; the rest of healthyMs is npm, node and loading the launcher.
   */
  launcherMs: number | null;
  /**
   * Whether `npm start` rebuilt the launcher's bundle first (a source had changed since it was
   * built): seconds that a fresh install, whose postinstall builds it, never pays.
   */
  rebuiltBundle: boolean;
  /** Resident memory after `idleMs` of idling, by process (the launcher and Azurite). */
  rssMb: Record<string, number>;
}

const ROOT = new URL('../../../../', import.meta.url).pathname;
/** `npm start` runs the launcher from this bundle (scripts/launcher-bundle.mjs), rebuilt when stale. */
const LAUNCHER_BUNDLE = join(ROOT, 'apps/kopitra/dist/launcher.mjs');

function builtAtMs(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant of `pid` with its command line and resident memory (Linux /proc). */
function descendants(pid: number): Array<{ pid: number; cmd: string; rssMb: number }> {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      return [{ pid: Number(d), ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(), rssMb: rss ? Number(rss[1]) / 1024 : 0 }];
    } catch {
      return []; // gone meanwhile
    }
  });
  const out: Array<{ pid: number; cmd: string; rssMb: number }> = [];
  const walk = (parent: number) => {
    for (const p of procs.filter((x) => x.ppid === parent)) {
      out.push(p);
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

/**
 * `npm start` exactly as a user runs it — embedded PGlite and Azurite in a fresh data directory —
 * timed to a healthy gateway, then its idle memory. `env` is the caller's environment without
 * any database URL (the embedded default is what is measured).
 */
export async function measureStartup(env: Record<string, string | undefined>, idleMs = 3000): Promise<StartupFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kopitra-start-'));
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = { ...env, KOPITRA_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
  delete childEnv.DATABASE_URL;
  const bundleBuiltAt = builtAtMs(LAUNCHER_BUNDLE);
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  let launcherMs: number | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const up = /Kopitra is up in (\d+) ms/.exec(line);
    if (up) launcherMs = Number(up[1]);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let healthyMs = NaN;
    while (performance.now() - started < 60_000 && child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${port}/trade-agent/v1/health`).then((r) => r.ok, () => false);
      if (ok) {
        healthyMs = performance.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!Number.isFinite(healthyMs)) throw new Error(`npm start did not become healthy: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, idleMs));
    const rssMb: Record<string, number> = {};
    for (const p of descendants(child.pid!)) {
      if (/^(\/bin\/)?sh /.test(p.cmd)) continue; // npm's shell
      const name = p.cmd.includes('azurite') ? 'azurite' : (p.cmd.includes('cli.ts') || p.cmd.includes('start.mjs')) ? 'launcher' : null;
      if (name) rssMb[name] = Math.round((rssMb[name] ?? 0) + p.rssMb);
    }
    return { healthyMs, launcherMs, rebuiltBundle: builtAtMs(LAUNCHER_BUNDLE) !== bundleBuiltAt, rssMb };
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch { /* already gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    // Until the whole process group (launcher, Azurite) is gone: the next phases measure an idle machine.
    for (let i = 0; i < 100 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 100));
    // Azurite may still be flushing its files for a moment after the launcher exited.
    try {
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (e) {
      console.warn(`could not remove ${dataDir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
