// Acceptance: each service started alone, as production starts it — from environment variables
// only, against a real PostgreSQL and a real Azurite — answers its health route (the readiness and
// the liveness probe of every deployment form), and stops on SIGTERM with exit code 0. Start-to-
// healthy time and idle RSS are measured and printed, for the TypeScript source run through tsx
// and for the esbuild bundle the images run (infra/build/bundle-services.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFreshDatabase } from '@kopitra/store/testing';
import { buildImageLayout } from '../build/bundle-services.mjs';
import { TEST_SECRET_KEY, rssKiB, startAzurite, startService, type Azurite, type ServiceName } from './support/processes';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
const IDLE_MS = 1500;
const ADMIN = { email: 'ops@example.com', password: 'correct horse battery' };

/** Until GET /admin/v1/health lands (issue 5's task worker), a sign-in proves the database answers. */
async function adminSignsIn(url: string): Promise<boolean> {
  const res = await fetch(`${url}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  await res.arrayBuffer();
  return res.status === 200;
}

describe('each service alone against real PostgreSQL + Azurite', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set (needs a real PostgreSQL)' }, () => {
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let azurite: Azurite;
  let bundleDir: string;
  const report: string[] = [];

  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    databaseUrl = fresh.url;
    drop = fresh.drop;
    azurite = await startAzurite();
    // The image layout: /app/dist/<service>.mjs beside /app/migrations.
    bundleDir = mkdtempSync(join(tmpdir(), 'kopitra-bundle-'));
    await buildImageLayout(bundleDir);
  });
  after(async () => {
    console.log(`\nstandalone services (idle RSS after ${IDLE_MS} ms):\n  ${report.join('\n  ')}`);
    await azurite?.stop();
    await drop?.();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  const env = (service: ServiceName): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    KOPITRA_SECRET_KEY: TEST_SECRET_KEY,
    ...(service === 'admin-api'
      ? {
          KOPITRA_ADMIN_EMAIL: ADMIN.email, KOPITRA_ADMIN_PASSWORD: ADMIN.password,
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          KOPITRA_TASK_QUEUE: 'kopitra-tasks', KOPITRA_BLOB_CONTAINER: 'kopitra-artifacts', KOPITRA_TASK_WORKER: '1',
        }
      : { KOPITRA_DATA_DIR: join(bundleDir, 'data') }),
  });

  for (const form of ['tsx', 'bundle'] as const) {
    for (const service of ['gateway', 'admin-api'] as const) {
      test(`${service} (${form}): healthy, idle, SIGTERM exits 0`, async () => {
        const s = await startService(service, {
          env: env(service),
          ...(form === 'bundle' ? { bundle: join(bundleDir, 'dist', `${service}.mjs`) } : {}),
          ...(service === 'admin-api' ? { fallbackReady: adminSignsIn } : {}),
        });
        try {
          const health = s.health as { status?: string; checks?: { database?: { status?: string } } };
          assert.equal(health.status, 'ok', JSON.stringify(health));
          if (health.checks?.database) assert.equal(health.checks.database.status, 'ok');
          await new Promise((r) => setTimeout(r, IDLE_MS));
          const rss = rssKiB(s.pid);
          // Still healthy after idling (the liveness probe keeps passing).
          if (s.probe === 'fallback') assert.ok(await adminSignsIn(s.url), 'still answering after idling');
          else assert.equal((await fetch(s.url + s.probe)).status, 200, 'still healthy after idling');
          const stopped = await s.stop('SIGTERM');
          report.push(`${service.padEnd(9)} ${form.padEnd(6)} start-to-healthy ${s.startToHealthyMs.toFixed(0).padStart(5)} ms, idle RSS ${(rss / 1024).toFixed(1).padStart(6)} MiB, SIGTERM -> exit ${stopped.code} in ${stopped.ms.toFixed(0)} ms (probe ${s.probe === 'fallback' ? 'POST /admin/v1/auth/login: no /admin/v1/health yet' : s.probe})`);
          assert.equal(stopped.code, 0, s.output());
          assert.ok(stopped.ms < 5000, `exit took ${stopped.ms} ms`);
          assert.ok(rss < 400 * 1024, `idle RSS ${rss} KiB`);
        } finally {
          await s.stop('SIGKILL');
        }
      });
    }
  }
});
