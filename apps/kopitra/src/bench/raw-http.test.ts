import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RawHttpPool } from './raw-http';

/** A real node:http server; counts the connections it accepted. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ origin: string; connections: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, server };
}

/** Runs `fn` with a pool of `maxSockets` against a server answering with `handler`; closes both after. */
async function withServer(handler: Parameters<typeof serve>[0], maxSockets: number, fn: (pool: RawHttpPool, s: Awaited<ReturnType<typeof serve>>) => Promise<void>): Promise<void> {
  const s = await serve(handler);
  const pool = new RawHttpPool(maxSockets);
  try {
    await fn(pool, s);
  } finally {
    pool.close();
    await new Promise<void>((r) => { s.server.closeAllConnections(); s.server.close(() => r()); });
  }
}
const get = (pool: RawHttpPool, origin: string, path: string, timeoutMs = 5_000) =>
  pool.request(origin, `GET ${path} HTTP/1.1\r\nhost: ${pool.hostOf(origin)}\r\n\r\n`, timeoutMs);

test('answers framed by content-length, chunks or an empty status; one keep-alive socket for requests in turn', () =>
  withServer((req, body, res) => {
    if (req.url === '/chunked') {
      res.write('{"a":');
      setTimeout(() => res.end('"ü"}'), 5); // two chunks, the second in a later packet
    } else if (req.url === '/empty') {
      res.writeHead(204).end();
    } else {
      const out = JSON.stringify({ method: req.method, url: req.url, body, key: req.headers['x-k'] });
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    }
  }, 4, async (pool, s) => {
    const body = JSON.stringify({ text: 'é€' });
    const posted = await pool.request(s.origin, `POST /x?y=1 HTTP/1.1\r\nhost: ${pool.hostOf(s.origin)}\r\nx-k: v\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 5_000);
    assert.equal(posted.status, 202);
    assert.deepEqual(JSON.parse(posted.body), { method: 'POST', url: '/x?y=1', body, key: 'v' });
    assert.ok(posted.ms >= 0);
    const chunked = await get(pool, s.origin, '/chunked');
    assert.equal(chunked.status, 200);
    assert.deepEqual(JSON.parse(chunked.body), { a: 'ü' });
    const empty = await get(pool, s.origin, '/empty');
    assert.deepEqual([empty.status, empty.body], [204, '']);
    assert.equal(s.connections(), 1, 'the socket is kept between requests');
  }));

test('no more sockets than allowed: requests beyond wait for one; a socket the server closes is replaced', () =>
  withServer((req, _body, res) => {
    const headers: Record<string, string> = req.url === '/bye' ? { connection: 'close' } : {};
    setTimeout(() => res.writeHead(200, headers).end(req.url), 10);
  }, 2, async (pool, s) => {
    const answers = await Promise.all(['/1', '/2', '/3', '/4', '/5'].map((p) => get(pool, s.origin, p)));
    assert.deepEqual(answers.map((a) => a.body), ['/1', '/2', '/3', '/4', '/5']);
    assert.equal(s.connections(), 2);
    assert.equal((await get(pool, s.origin, '/bye')).body, '/bye');
    // Two at once need two sockets: the one left and a new one in place of the closed one.
    assert.deepEqual((await Promise.all([get(pool, s.origin, '/6'), get(pool, s.origin, '/7')])).map((a) => a.body), ['/6', '/7']);
    assert.equal(s.connections(), 3, 'the closed socket was not used again');
  }));

test('a request without an answer in time fails, and its socket is not reused', () =>
  withServer((req, _body, res) => {
    if (req.url !== '/never') res.end('ok');
  }, 1, async (pool, s) => {
    await assert.rejects(get(pool, s.origin, '/never', 50), /no answer within 50 ms/);
    assert.equal((await get(pool, s.origin, '/next')).body, 'ok');
    assert.equal(s.connections(), 2);
  }));
