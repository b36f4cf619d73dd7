import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createSecretBox, type Db, type SecretBox } from '@kopitra/store';
import type { TestBackend } from '../../../packages/store/src/testing';
import { buildAdminApp } from './app';
import { ensureBootstrapAdmin } from './bootstrap-admin';
import { loadAdminConfig, type AdminConfig } from './config';

/**
 * Test support for route suites: one real database per suite (PGlite, or a fresh PostgreSQL
 * database), the app built on it, and a signed-in admin, operator and viewer.
 */
export interface Harness {
  db: Db;
  app: FastifyInstance;
  secretBox: SecretBox;
  config: AdminConfig;
  tokens: { admin: string; operator: string; viewer: string };
  /** Moves the app's clock forward. */
  advance(ms: number): void;
  call(token: string | null, method: InjectOptions['method'], url: string, body?: unknown): Promise<LightMyRequestResponse>;
  login(email: string, password: string, ip?: string): Promise<LightMyRequestResponse>;
  /** Creates an operator through the API and signs it in. */
  newOperator(role: 'viewer' | 'operator' | 'admin', email?: string): Promise<{ id: string; email: string; token: string }>;
  close(): Promise<void>;
}

export const ROOT_EMAIL = 'root@example.com';
export const ROOT_PASSWORD = 'root-password-1';

export async function openHarness(backend: TestBackend, env: Record<string, string> = {}): Promise<Harness> {
  const { db, drop } = await backend.open();
  const secretBox = createSecretBox(randomBytes(32));
  const config = loadAdminConfig(env);
  let offset = 0;
  const now = () => Date.now() + offset;
  await ensureBootstrapAdmin(db, { email: ROOT_EMAIL, password: ROOT_PASSWORD });
  const app = await buildAdminApp({ db, secretBox, config, now });

  const call: Harness['call'] = (token, method, url, body) => app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const login: Harness['login'] = (email, password, ip = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email, password }, remoteAddress: ip });

  const rootLogin = await login(ROOT_EMAIL, ROOT_PASSWORD);
  if (rootLogin.statusCode !== 200) throw new Error(`root login failed: ${rootLogin.body}`);
  const admin = rootLogin.json().token as string;

  let n = 0;
  const newOperator: Harness['newOperator'] = async (role, email) => {
    const address = email ?? `${role}-${++n}-${randomBytes(3).toString('hex')}@example.com`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const created = await call(admin, 'POST', '/operators', { email: address, password, role });
    if (created.statusCode !== 201) throw new Error(`create operator failed: ${created.body}`);
    const res = await login(address, password);
    return { id: created.json().id, email: address, token: res.json().token };
  };
  const tokens = { admin, operator: (await newOperator('operator')).token, viewer: (await newOperator('viewer')).token };

  return {
    db, app, secretBox, config, tokens, call, login, newOperator,
    advance(ms) {
      offset += ms;
    },
    async close() {
      await app.close();
      await drop();
    },
  };
}

/** Collects cache notifications until the returned stop() is called. */
export async function collectNotifications(db: Db): Promise<{ payloads: string[]; settle(): Promise<void>; stop(): Promise<void> }> {
  const payloads: string[] = [];
  // Notifications travel asynchronously (a separate connection on PostgreSQL): let those of
  // earlier changes arrive before listening, and those of the changes under test before reading.
  const settle = () => new Promise<void>((r) => setTimeout(r, db.kind === 'postgres' ? 150 : 20));
  await settle();
  const stop = await db.listen('kopitra_cache', (p) => payloads.push(p));
  return { payloads, settle, stop };
}

export async function createAccount(h: Harness, role: 'master' | 'follower', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.call(h.tokens.admin, 'POST', '/accounts', {
    name: `${role} ${randomBytes(2).toString('hex')}`, role, platform: 'mt5',
    broker: { name: 'Demo Broker', server: 'Demo-Server' }, login: String(10_000 + Math.floor(Math.random() * 1e6)), ...extra,
  });
  if (res.statusCode !== 201) throw new Error(`create account failed: ${res.body}`);
  return res.json().id;
}
