// A real launcher (startPlatform: gateway + management API + console on one port, embedded PGlite,
// Azurite from node_modules) in a temporary directory, with an admin to sign in as.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatformConfig } from '../config';
import { startPlatform, type RunningPlatform } from '../platform';
import { TEST_SECRET_KEY } from '@kopitra/gateway/testing';

export const ADMIN_EMAIL = 'hardening@kopitra.test';
/** The same key as the gateway's test fixtures' secret box, so seeded credentials verify. */

export async function startTestPlatform(env: Record<string, string> = {}): Promise<{ platform: RunningPlatform; base: URL; adminPassword: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kopitra-hardening-'));
  const adminPassword = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const config = loadPlatformConfig({
    PORT: '0', HOST: '127.0.0.1', KOPITRA_DATA_DIR: dir, KOPITRA_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent',
    KOPITRA_ADMIN_EMAIL: ADMIN_EMAIL, KOPITRA_ADMIN_PASSWORD: adminPassword, ...env,
  });
  const platform = await startPlatform(config, { logger: false });
  return {
    platform, base: new URL(platform.url), adminPassword,
    async close() {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function signIn(base: URL, email: string, password: string): Promise<string> {
  const r = await fetch(new URL('/admin/v1/auth/login', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

export { TEST_SECRET_KEY };
