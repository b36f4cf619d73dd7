// 1,000 idle long-polls (1,000 follower accounts, each waiting on GET /orders?wait=30) must not
// slow signal ingest measurably: signals/s without them, with them, and without them again, in
// the same run on the same launcher. Also: a slow-body client is cut off at the request timeout
// (60 s) while the server stays healthy. KOPITRA_IDLE_POLLS scales the first part.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EaHttpClient, ReferenceMaster, SimBroker } from '@kopitra/ea-client';
import { seedAccount, seedSubscription, type TestCredential } from '@kopitra/gateway/testing';
import { chaosConfig } from './config';
import { startTestPlatform } from '../platform-fixture';
import { rawRequest, signedHeaders, trickle } from '../raw-http';

const POLLS = chaosConfig.idlePolls;
const SIGNALS_PER_PHASE = 300;

describe(`${POLLS} idle long-polls vs signal ingest; slow-body cut-off`, () => {
  let fx: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  before(async () => {
    fx = await startTestPlatform({ KOPITRA_EA_RATE_LIMIT_RPS: '100000', KOPITRA_EA_RATE_LIMIT_BURST: '100000' });
    dir = mkdtempSync(join(tmpdir(), 'kopitra-idle-'));
  });
  after(async () => { await fx?.close(); rmSync(dir, { recursive: true, force: true }); });

  test('ingest with idle long-polls ≥ 80 % of ingest without; the slow client is cut off', { timeout: 900_000 }, async () => {
    // Under the 64 KiB limit, so only the request timeout can end it.
    const slow = trickle(fx.base, '/trade-agent/v1/signals', { length: 1000, intervalMs: 1000 });
    const masterCred = await seedAccount(fx.platform.db, 'master');
    for (let i = 0; i < 3; i++) await seedSubscription(fx.platform.db, masterCred.accountId, (await seedAccount(fx.platform.db, 'follower')).accountId, { maxSignalAgeMs: 3_600_000 });
    const idle: TestCredential[] = [];
    for (let i = 0; i < POLLS; i++) idle.push(await seedAccount(fx.platform.db, 'follower'));
    const master = new ReferenceMaster({
      client: new EaHttpClient({ baseUrl: fx.platform.url, keyId: masterCred.keyId, secret: masterCred.secret }),
      broker: new SimBroker({ mode: 'hedging', balance: 1e9 }), outboxDir: join(dir, 'm'), fsync: false,
    });
    const open: string[] = [];
    const phase = async () => {
      const t = performance.now();
      for (let i = 0; i < SIGNALS_PER_PHASE; i++) {
        const a = open.length > 0 && i % 2 ? await master.close(open.shift()!) : await master.open('EURUSD', 'buy', 0.1);
        for (const s of a.signals) if (s.type === 'position.opened') open.push((s as { position: { id: string } }).position.id);
        await master.flush();
      }
      return SIGNALS_PER_PHASE / ((performance.now() - t) / 1000);
    };
    await phase(); // warm-up
    const before = await phase();
    // The idle followers: each keeps one long-poll open, renewing it when it ends.
    const agent = new http.Agent({ keepAlive: true, maxSockets: POLLS + 10 });
    let polling = true;
    const loops = idle.map(async (cred) => {
      while (polling) {
        const path = '/trade-agent/v1/orders?wait=30';
        await rawRequest(fx.base, { method: 'GET', path, headers: signedHeaders(cred, 'GET', path), agent, timeoutMs: 40_000 });
      }
    });
    const t0 = Date.now();
    while (fx.platform.gateway.hub.waiting < POLLS * 0.98 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
    const waiting = fx.platform.gateway.hub.waiting;
    const withPolls = await phase();
    polling = false;
    const after = await phase();
    const cut = await slow.ended;
    const health = await fetch(new URL('/trade-agent/v1/health', fx.base));
    console.log(`idle long-polls: ${waiting} waiting; ingest ${before.toFixed(0)} signals/s without, ${withPolls.toFixed(0)} with, ${after.toFixed(0)} without again (${SIGNALS_PER_PHASE} signals each, 3 followers each); ` +
      `slow-body client cut off after ${(cut.ms / 1000).toFixed(1)} s (${cut.bytesSent} bytes sent, status ${cut.status || 'closed'}), health ${health.status}`);
    slow.stop();
    agent.destroy();
    void Promise.allSettled(loops);
    assert.ok(waiting >= POLLS * 0.98, `${waiting} long-polls waiting`);
    assert.ok(withPolls >= 0.8 * Math.min(before, after), `ingest with idle long-polls ${withPolls.toFixed(0)}/s vs ${before.toFixed(0)}/${after.toFixed(0)}/s`);
    // requestTimeout 60 s, enforced by Node on its 30 s connection-check interval: 60–90 s.
    // headersTimeout 10 s / requestTimeout 15 s, enforced on Node's 30 s connection-check interval.
    assert.ok(cut.ms >= 9_000 && cut.ms < 50_000 && cut.status === 408, 'the slow client was cut off at the request timeout');
    assert.equal(health.status, 200);
  });
});
