import { Writable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { EXPENSIVE_DEFAULT_METRICS } from './metrics-registry';
import { createMetrics, loggerOptions, registerMetrics, requestIdOptions, startTelemetry } from './index';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

test('default metrics: the process and runtime ones, without those that list every open handle on each scrape', async () => {
  const metrics = createMetrics();
  const text = await metrics.registry.metrics();
  assert.match(text, /^kopitra_process_cpu_user_seconds_total /m);
  assert.match(text, /^kopitra_nodejs_heap_size_used_bytes /m);
  if (process.platform === 'linux') assert.match(text, /^kopitra_process_open_fds /m);
  for (const name of EXPENSIVE_DEFAULT_METRICS) assert.doesNotMatch(text, new RegExp(`^kopitra_${name}[ {]`, 'm'), name);
  // The names are prom-client's own: its defaults do register them (the removal is not a no-op).
  const plain = new Registry();
  collectDefaultMetrics({ register: plain, prefix: 'x_' });
  assert.deepEqual(EXPENSIVE_DEFAULT_METRICS.filter((n) => !plain.getSingleMetric(`x_${n}`)), []);
});

test('/metrics: request durations by route template and the copy-path counters from gateway answers', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let waiting = 3;
  metrics.setLongPollSource(() => waiting);
  const commits = { signals: { statement: 0, transaction: 1 }, executions: { statement: 0, transaction: 0 } };
  metrics.setCommitSource(() => commits);
  const app = Fastify();
  registerMetrics(app, metrics);
  // A child plugin registered after the hook, as the gateway is in the launcher.
  await app.register(async (child) => {
    child.post('/signals', async (_r, reply) => reply.status(202).send({ signalId: 's', runId: 'r', sequence: 1, orders: 2, gap: false }));
    child.post('/executions', async (_r, reply) => reply.status(202).send({ accepted: true, orderId: 'o' }));
    child.get('/accounts/:id', async () => ({ ok: true }));
  }, { prefix: '/trade-agent/v1' });
  await app.inject({ method: 'POST', url: '/trade-agent/v1/signals', payload: {} });
  await app.inject({ method: 'POST', url: '/trade-agent/v1/signals', payload: {} });
  await app.inject({ method: 'POST', url: '/trade-agent/v1/executions', payload: {} });
  await app.inject({ method: 'GET', url: '/trade-agent/v1/accounts/acc_1' });
  await app.inject({ method: 'GET', url: '/trade-agent/v1/accounts/acc_2' });
  waiting = 5;
  commits.signals.statement = 7;
  commits.executions.statement = 2;
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.body;
  assert.match(text, /^kopitra_signals_accepted_total 2$/m);
  assert.match(text, /^kopitra_orders_created_total 4$/m);
  assert.match(text, /^kopitra_executions_reported_total\{status="202"\} 1$/m);
  assert.match(text, /^kopitra_long_polls_waiting 5$/m);
  // Read when scraped, as they are now.
  assert.match(text, /^kopitra_copy_commits_total\{kind="signals",path="statement"\} 7$/m);
  assert.match(text, /^kopitra_copy_commits_total\{kind="signals",path="transaction"\} 1$/m);
  assert.match(text, /^kopitra_copy_commits_total\{kind="executions",path="statement"\} 2$/m);
  // Two calls with different ids land in one series, labelled by the template.
  assert.match(text, /^kopitra_http_request_duration_seconds_count\{method="GET",route="\/trade-agent\/v1\/accounts\/:id",status="200"\} 2$/m);
  assert.doesNotMatch(text, /acc_1/);
  await app.close();
});

test('logger options: secrets redacted, request id taken from X-Request-Id or generated', async () => {
  const out = capture();
  const app = Fastify({ logger: { ...loggerOptions('test', 'info'), stream: out.stream }, ...requestIdOptions });
  app.post('/login', async (request) => {
    request.log.info({ body: request.body, token: 'tok-123', signature: 'sig-456' }, 'seen');
    return { ok: true };
  });
  await app.inject({ method: 'POST', url: '/login', headers: { authorization: 'Bearer abc.def.ghi', 'x-request-id': 'trace-42' }, payload: { email: 'a@b.c', password: 'hunter22' } });
  await app.inject({ method: 'POST', url: '/login?access_token=qs-secret-789', headers: { 'x-request-id': 'bad id with spaces' }, payload: {} });
  await app.close();
  const all = out.lines();
  const text = JSON.stringify(all);
  for (const secret of ['hunter22', 'tok-123', 'sig-456', 'abc.def.ghi', 'qs-secret-789']) assert.ok(!text.includes(secret), `${secret} leaked`);
  assert.ok(text.includes('[redacted]'));
  assert.ok(all.some((l) => (l.req as { url?: string } | undefined)?.url === '/login?access_token=[redacted]'));
  assert.ok(all.every((l) => l.service === 'test'));
  const ids = [...new Set(all.filter((l) => l.reqId).map((l) => l.reqId as string))];
  assert.equal(ids.length, 2);
  assert.ok(ids.includes('trace-42'));
  assert.match(ids.find((i) => i !== 'trace-42')!, /^[0-9a-f-]{36}$/);
});

test('telemetry stays off without a connection string', async () => {
  const handle = await startTelemetry(undefined);
  assert.equal(handle.enabled, false);
});
