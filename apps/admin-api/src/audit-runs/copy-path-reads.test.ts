import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildGatewayApp, DEFAULT_GATEWAY_CONFIG } from '@kopitra/gateway';
import { eaRequest, openedSignal, seedAccount, seedSubscription, snapshotBody, testSecretBox, type TestCredential } from '@kopitra/gateway/testing';
import { testBackends } from '../../../../packages/store/src/testing';
import { openHarness, type Harness } from '../test-harness';

/**
 * The read side of the copy path over a real database written by the real gateway: a signal's
 * audit run with its orders, delivery, executions and slippage; the metrics overview; the sizing
 * preview; the live event stream.
 */
for (const backend of testBackends()) {
  describe(`copy-path reads on ${backend.name}`, () => {
    let h: Harness;
    let gw: FastifyInstance;
    let master: TestCredential;
    let follower: TestCredential;
    let subId: string;
    let runId: string;
    let orderId: string;

    before(async () => {
      h = await openHarness(backend);
      gw = await buildGatewayApp({ db: h.db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
      master = await seedAccount(h.db, 'master');
      follower = await seedAccount(h.db, 'follower');
      subId = await seedSubscription(h.db, master.accountId, follower.accountId, { sizing: { mode: 'multiplier', multiplier: 0.5 } });
      // A second follower that will skip (fixed 0.001 lots is below the minimum).
      const small = await seedAccount(h.db, 'follower');
      await seedSubscription(h.db, master.accountId, small.accountId, { sizing: { mode: 'fixed', lots: 0.001 } });
      for (const c of [master, follower, small]) {
        const r = await eaRequest(gw, c, 'POST', '/trade-agent/v1/telemetry', snapshotBody());
        assert.equal(r.statusCode, 202, r.body);
      }
    });
    after(async () => {
      await gw.close();
      await h.close();
    });

    test('a signal run: decisions with orderIds, orders with delivery, executions with slippage, latency by stage', async () => {
      const sig = await eaRequest(gw, master, 'POST', '/trade-agent/v1/signals', openedSignal(1, { id: 'M1', side: 'buy', volume: 1, price: 1.085 }));
      assert.equal(sig.statusCode, 202, sig.body);
      runId = sig.json().runId;
      const polled = await eaRequest(gw, follower, 'GET', '/trade-agent/v1/orders?wait=0');
      assert.equal(polled.statusCode, 200, polled.body);
      orderId = polled.json().orders[0].orderId;
      const ex = await eaRequest(gw, follower, 'POST', '/trade-agent/v1/executions', {
        orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 0.5, price: 1.0853, followerPositionId: 'F1',
      });
      assert.equal(ex.statusCode, 202, ex.body);

      const list = await h.call(h.tokens.viewer, 'GET', '/audit/runs?kind=signal');
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(list.json().items.map((i: { runId: string }) => i.runId), [runId]);
      assert.equal(list.json().items[0].accountId, master.accountId);

      const res = await h.call(h.tokens.viewer, 'GET', `/audit/runs/${runId}`);
      assert.equal(res.statusCode, 200, res.body);
      const run = res.json();
      assert.equal(run.kind, 'signal');
      assert.equal(run.trigger.signal.position.price, 1.085);
      assert.deepEqual(run.steps.map((s: { stage: string }) => s.stage), ['received', 'planned']);
      const copied = run.decisions.find((d: { subscriptionId: string }) => d.subscriptionId === subId);
      assert.equal(copied.outcome, 'copied');
      assert.equal(copied.volume, 0.5);
      assert.deepEqual(copied.orderIds, [orderId]);
      assert.equal(copied.inputs.multiplier, 0.5);
      const skipped = run.decisions.find((d: { subscriptionId: string }) => d.subscriptionId !== subId);
      assert.equal(skipped.outcome, 'skipped');
      assert.equal(skipped.reason, 'below_min_volume');
      assert.equal(run.orders.length, 1);
      assert.equal(run.orders[0].orderId, orderId);
      assert.equal(run.orders[0].status, 'filled');
      assert.equal(run.orders[0].side, 'buy');
      assert.ok(run.orders[0].deliveredAt, 'delivery time recorded');
      assert.equal(run.executions.length, 1);
      assert.equal(run.executions[0].price, 1.0853);
      assert.equal(run.executions[0].slippage, 0.0003, 'bought 3 points above the master: worse, positive');
      const l = run.latencyMs;
      assert.ok(typeof l.ingest === 'number' && typeof l.plan === 'number', JSON.stringify(l));
      assert.ok(l.firstDelivery >= 0 && l.lastExecution >= l.firstDelivery, JSON.stringify(l));
    });

    test('filters and cursor; unknown run is 404; bad cursor and bad kind are 400 naming the field', async () => {
      assert.equal((await h.call(h.tokens.viewer, 'GET', `/audit/runs?accountId=${follower.accountId}&kind=signal`)).json().items.length, 0);
      assert.equal((await h.call(h.tokens.viewer, 'GET', `/audit/runs?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json().items.length, 0);
      const sig = await eaRequest(gw, master, 'POST', '/trade-agent/v1/signals', openedSignal(2, { id: 'M2', volume: 0.2 }));
      assert.equal(sig.statusCode, 202);
      const page1 = (await h.call(h.tokens.viewer, 'GET', '/audit/runs?kind=signal&limit=1')).json();
      assert.equal(page1.items[0].runId, sig.json().runId, 'newest first');
      assert.ok(page1.nextCursor);
      const page2 = (await h.call(h.tokens.viewer, 'GET', `/audit/runs?kind=signal&limit=1&cursor=${page1.nextCursor}`)).json();
      assert.deepEqual(page2.items.map((i: { runId: string }) => i.runId), [runId]);
      assert.equal(page2.nextCursor, null);
      assert.equal((await h.call(h.tokens.viewer, 'GET', '/audit/runs/run_nope')).statusCode, 404);
      const bad = await h.call(h.tokens.viewer, 'GET', '/audit/runs?cursor=xyz');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /^cursor:/);
      const badKind = await h.call(h.tokens.viewer, 'GET', '/audit/runs?kind=bogus');
      assert.equal(badKind.statusCode, 400);
      assert.match(badKind.json().error.message, /^kind/);
    });

    test('metrics overview: signals per minute, latency, EAs online, followers in sync then drifting, skips by reason', async () => {
      const res = await h.call(h.tokens.viewer, 'GET', '/metrics/overview');
      assert.equal(res.statusCode, 200, res.body);
      const o = res.json();
      assert.equal(o.signalsPerMinute.length, 60);
      assert.equal(o.signalsPerMinute.reduce((n: number, b: { count: number }) => n + b.count, 0), 2);
      assert.ok(Date.parse(o.signalsPerMinute[0].at) < Date.parse(o.signalsPerMinute[59].at));
      assert.equal(typeof o.latencyMs.ingest.p50, 'number');
      assert.equal(typeof o.latencyMs.delivery.p50, 'number');
      assert.equal(typeof o.latencyMs.execution.p99, 'number');
      assert.equal(o.eas.online, 3);
      assert.equal(o.eas.offline, 0);
      const skip = o.skips.find((s: { reason: string }) => s.reason === 'below_min_volume');
      assert.equal(skip.count, 2);
      // The follower has not reported the copy yet (its snapshot is empty) but holds legs: drifting.
      assert.deepEqual(o.followers, { inSync: 1, drifting: 1, stoppedOut: 0 });
      // It reports both copies (the second by its tag): in sync.
      const orders = (await eaRequest(gw, follower, 'GET', '/trade-agent/v1/orders?wait=0')).json().orders;
      await eaRequest(gw, follower, 'POST', '/trade-agent/v1/executions', { orderId: orders[0].orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 0.1, price: 1.085 });
      const positions = [
        { id: 'F1', symbol: 'EURUSD', side: 'buy', volume: 0.5, price: 1.0853, comment: 'x' },
        { id: 'F2', symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.085, comment: orders[0].tag },
      ];
      await eaRequest(gw, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ positions }));
      assert.deepEqual((await h.call(h.tokens.viewer, 'GET', '/metrics/overview')).json().followers, { inSync: 2, drifting: 0, stoppedOut: 0 });
      // Oversized by hand on the broker: drifting again.
      await eaRequest(gw, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ positions: [{ ...positions[0], volume: 0.7 }, positions[1]] }));
      assert.deepEqual((await h.call(h.tokens.viewer, 'GET', '/metrics/overview')).json().followers, { inSync: 1, drifting: 1, stoppedOut: 0 });
      // An EA silent for longer than the online window is offline.
      h.advance(h.config.onlineWindowMs + 1000);
      const later = (await h.call(h.tokens.viewer, 'GET', '/metrics/overview')).json();
      assert.equal(later.eas.online, 0);
      h.advance(-(h.config.onlineWindowMs + 1000));
    });

    test('sizing preview: the engine on the follower\'s latest state, with a sentence saying why', async () => {
      const res = await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', { subscriptionId: subId, trade: { symbol: 'EURUSD', side: 'sell', volume: 0.75, price: 1.08 } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().decision.outcome, 'copied');
      assert.equal(res.json().decision.volume, 0.37);
      assert.match(res.json().explanation, /0\.37 lots of EURUSD: 0\.75 × multiplier 0\.5 = 0\.375, rounded down/);
      const whatIf = await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', {
        masterAccountId: master.accountId, followerAccountId: follower.accountId, sizing: { mode: 'risk_percent', percent: 1 },
        trade: { symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085 },
      });
      assert.equal(whatIf.statusCode, 200, whatIf.body);
      assert.equal(whatIf.json().decision.reason, 'no_stop_loss');
      assert.match(whatIf.json().explanation, /^Skipped \(no_stop_loss\)/);
      const withSl = await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', {
        masterAccountId: master.accountId, followerAccountId: follower.accountId, sizing: { mode: 'risk_percent', percent: 1 },
        trade: { symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, sl: 1.08 },
      });
      assert.equal(withSl.json().decision.volume, 0.2, 'copy-semantics worked example 9');
      const bad = await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', { masterAccountId: master.accountId, trade: { symbol: 'EURUSD', side: 'buy', volume: 1, price: 1 } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /^followerAccountId:/);
      const badTrade = await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', { subscriptionId: subId, trade: { symbol: 'EURUSD', side: 'up', volume: 1, price: 1 } });
      assert.equal(badTrade.statusCode, 400);
      assert.match(badTrade.json().error.message, /^trade\.side/);
      assert.equal((await h.call(h.tokens.viewer, 'POST', '/subscriptions/preview', { subscriptionId: 'sub_nope', trade: { symbol: 'EURUSD', side: 'buy', volume: 1, price: 1 } })).statusCode, 404);
    });

    test('live events: SSE relays kopitra_events to every stream, token in the query, closes cleanly', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (h.app.server.address() as AddressInfo).port;
      const open = (path: string) => new Promise<{ status: number; type: string; chunks: string[]; close(): void }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
          const chunks: string[] = [];
          res.setEncoding('utf8');
          res.on('data', (c: string) => chunks.push(c));
          res.on('error', () => {});
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), chunks, close: () => req.destroy() });
        });
        req.on('error', reject);
        req.end();
      });
      const refused = await open('/admin/v1/events');
      assert.equal(refused.status, 401);
      const a = await open(`/admin/v1/events?access_token=${h.tokens.viewer}`);
      const b = await open(`/admin/v1/events?access_token=${h.tokens.admin}`);
      assert.equal(a.status, 200);
      assert.match(a.type, /^text\/event-stream/);
      await new Promise((r) => setTimeout(r, 50));
      const sig = await eaRequest(gw, master, 'POST', '/trade-agent/v1/signals', openedSignal(3, { id: 'M3', volume: 0.4 }));
      assert.equal(sig.statusCode, 202);
      const deadline = Date.now() + 3000;
      while (!b.chunks.join('').includes(sig.json().runId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of [a, b]) {
        const text = s.chunks.join('');
        const m = /event: signal\ndata: (.+)\n\n/.exec(text);
        assert.ok(m, text);
        assert.equal(JSON.parse(m[1]!).runId, sig.json().runId);
      }
      a.close();
      // Shutdown ends the remaining stream instead of waiting for it.
      const t0 = Date.now();
      await h.app.close();
      assert.ok(Date.now() - t0 < 2000, 'closed promptly');
    });
  });
}
