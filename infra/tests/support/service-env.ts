// The environment variables each service reads, extracted from its sources by pattern, so a new
// variable without a deployment entry fails the deployment tests instead of a production start.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './processes';

export const ENV_SERVICES = ['gateway', 'admin-api'] as const;
export type EnvService = (typeof ENV_SERVICES)[number];

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'testing' || name === 'dist') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !/test-harness|testing\.ts$|-cases\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** env.NAME, env['NAME'], process.env.NAME anywhere; in config/server modules also 'NAME' literals. */
const ACCESS = [/\benv\s*\.\s*([A-Z][A-Z0-9_]+)\b/g, /\benv\s*\[\s*['"`]([A-Z][A-Z0-9_]+)['"`]\s*\]/g];
const LITERAL = /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|PORT|HOST)['"`]/g;
const CONFIG_FILE = /(^|[-/])(config|server|env)\.ts$/;

export function envVarsIn(file: string): Set<string> {
  const src = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const re of ACCESS) for (const m of src.matchAll(re)) found.add(m[1]!);
  if (CONFIG_FILE.test(file)) for (const m of src.matchAll(LITERAL)) found.add(m[1]!);
  for (const v of [...found]) if (v.startsWith('KOPITRA_TEST_') || /^SIG[A-Z]+$/.test(v)) found.delete(v);
  return found;
}

/** The @kopitra/* packages a service's own sources import (their sources are scanned too). */
function importedPackages(files: string[]): string[] {
  const pkgs = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/from\s+['"]@kopitra\/([a-z0-9-]+)['"]/g)) pkgs.add(m[1]!);
  return [...pkgs].filter((p) => existsSync(join(ROOT, 'packages', p, 'src')));
}

export interface ServiceEnv {
  vars: string[];
  /** Where each variable was seen (for failure messages). */
  seenIn: Record<string, string[]>;
}

export function serviceEnv(service: EnvService): ServiceEnv {
  const own = walk(join(ROOT, 'apps', service, 'src'));
  const files = [...own, ...importedPackages(own).flatMap((p) => walk(join(ROOT, 'packages', p, 'src')))];
  const seenIn: Record<string, string[]> = {};
  for (const f of files) for (const v of envVarsIn(f)) (seenIn[v] ??= []).push(relative(ROOT, f));
  return { vars: Object.keys(seenIn).sort(), seenIn };
}

/** ${NAME} placeholders of the console's nginx template (what the console container reads). */
export function consoleEnv(): string[] {
  const conf = readFileSync(join(ROOT, 'infra/docker/nginx.conf'), 'utf8');
  return [...new Set([...conf.matchAll(/\$\{([A-Z][A-Z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}
