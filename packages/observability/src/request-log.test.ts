import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { loggerOptions, requestIdOptions, requestLogOptions } from './index';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { stream, lines };
}

async function served(level: string) {
  const out = capture();
  const app = Fastify({ logger: { ...loggerOptions('test', level), stream: out.stream }, ...requestIdOptions, ...requestLogOptions() });
  app.get('/orders', async () => ({ orders: [] }));
  await app.inject({ method: 'GET', url: '/orders?access_token=qs-secret-1', headers: { 'x-request-id': 'trace-7' } });
  await app.inject({ method: 'GET', url: '/missing' });
  await app.close();
  return out.lines.filter((l) => l.reqId !== undefined);
}

test('one access line per request at info: method, URL with credentials censored, status, time, request id', async () => {
  const lines = await served('info');
  // No `incoming request` lines at info; fastify's own lines (here: not found) are unchanged.
  assert.deepEqual(lines.map((l) => l.msg), ['request completed', 'Route GET:/missing not found', 'request completed']);
  const [first, , second] = lines as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual({ reqId: first.reqId, method: (first.req as { method: string }).method, url: (first.req as { url: string }).url, status: (first.res as { statusCode: number }).statusCode },
    { reqId: 'trace-7', method: 'GET', url: '/orders?access_token=[redacted]', status: 200 });
  assert.equal(typeof first.responseTime, 'number');
  assert.equal((second.res as { statusCode: number }).statusCode, 404);
  assert.ok(!JSON.stringify(lines).includes('qs-secret-1'));
});

test('the arrival too at debug; with logging off the requests are answered as before', async () => {
  assert.deepEqual((await served('debug')).map((l) => l.msg), ['incoming request', 'request completed', 'incoming request', 'Route GET:/missing not found', 'request completed']);
  const app = Fastify({ logger: false, ...requestLogOptions() });
  app.get('/x', async () => ({}));
  assert.equal((await app.inject({ method: 'GET', url: '/x' })).statusCode, 200);
  await app.close();
});
