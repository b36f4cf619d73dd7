// The durable floor: the least a durable copy path does, with no copy logic, against which the
// gateway is measured (docs/performance.md, session 9). On node:http, the echo's work (HMAC verify,
// JSON parse, a JSON answer) plus:
// - POST /trade-agent/v1/signals: the body written to PostgreSQL, deduplicated by its idempotency
//   key, and committed (synchronous_commit on) before the 202; a master whose key id has the form
//   `<name>-m-<n>` also gets one order for its follower `<name>-f-<n>` in the same statement, and
//   one `<name>-fan-<count>` one order for each of its followers `<name>-ff-0` … `<name>-ff-<count - 1>`.
// - GET /trade-agent/v1/orders?wait=s: the follower's pending orders, read from PostgreSQL; none,
//   it waits, and a commit hands its new orders straight to the waiting long-poll.
// - POST /trade-agent/v1/executions: the order marked filled, committed before the 202.
// - GET /metrics: `kopitra_long_polls_waiting`, as the gateway's (the bench waits on it).
// Group commit as the gateway's: everything that arrives while a statement commits goes together in
// the next one — one statement, its own transaction, for all of it.
import { createServer, type ServerResponse } from 'node:http';
import { signatureMatches } from '@kopitra/protocol';
import { openDb } from '@kopitra/store';

const secret = process.env.KOPITRA_BENCH_SECRET ?? 'bench-secret';
// The gateway's own PostgreSQL adapter (prepared statements; one statement at a time here).
const db = await openDb({ databaseUrl: process.env.DATABASE_URL });
await db.exec(`
  CREATE TABLE IF NOT EXISTS bench_floor_signals (
    key_id text NOT NULL, idempotency_key text NOT NULL, body jsonb NOT NULL, PRIMARY KEY (key_id, idempotency_key));
  CREATE TABLE IF NOT EXISTS bench_floor_orders (
    id text PRIMARY KEY, follower text NOT NULL, payload jsonb NOT NULL, status text NOT NULL DEFAULT 'pending');
  CREATE INDEX IF NOT EXISTS bench_floor_orders_pending ON bench_floor_orders (follower, id) WHERE status = 'pending'`);

const WRITE = `
WITH s AS (INSERT INTO bench_floor_signals (key_id, idempotency_key, body)
           SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING),
     o AS (INSERT INTO bench_floor_orders (id, follower, payload)
           SELECT * FROM unnest($4::text[], $5::text[], $6::jsonb[]) ON CONFLICT DO NOTHING)
UPDATE bench_floor_orders SET status = 'filled' WHERE id = ANY($7::text[]) AND status = 'pending'`;
// The pending orders of every follower whose long-poll arrived in one turn of the event loop (as the
// gateway's reads are coalesced): a thousand arriving together are one statement, not a thousand.
const PENDING = `SELECT follower, payload::text AS p FROM bench_floor_orders
  WHERE follower = ANY($1::text[]) AND status = 'pending' ORDER BY follower, id`;

interface Order { id: string; follower: string; payload: string }
interface Work { res: ServerResponse; answer: string; signal?: { keyId: string; key: string; body: string }; orders?: Order[]; filled?: string }
interface Waiter { res: ServerResponse; done: boolean; read: boolean; timer: NodeJS.Timeout }

let queue: Work[] = [];
let writing = false;
const waiting = new Map<string, Waiter>();

function answer(res: ServerResponse, status: number, out: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

const ordersAnswer = (payloads: string[]) => `{"orders":[${payloads.join(',')}]}`;

function deliver(w: Waiter, follower: string, payloads: string[]): void {
  w.done = true;
  clearTimeout(w.timer);
  if (waiting.get(follower) === w) waiting.delete(follower);
  answer(w.res, 200, ordersAnswer(payloads));
}

async function write(): Promise<void> {
  if (writing || queue.length === 0) return;
  writing = true;
  const batch = queue;
  queue = [];
  const signals = batch.flatMap((w) => (w.signal ? [w.signal] : []));
  const orders = batch.flatMap((w) => w.orders ?? []);
  try {
    await db.query(WRITE, [
      signals.map((s) => s.keyId), signals.map((s) => s.key), signals.map((s) => s.body),
      orders.map((o) => o.id), orders.map((o) => o.follower), orders.map((o) => o.payload),
      batch.flatMap((w) => (w.filled ? [w.filled] : [])),
    ]);
    for (const w of batch) answer(w.res, 202, w.answer);
    const byFollower = new Map<string, string[]>();
    for (const o of orders) byFollower.set(o.follower, [...(byFollower.get(o.follower) ?? []), o.payload]);
    for (const [follower, payloads] of byFollower) {
      const w = waiting.get(follower);
      if (w && !w.done) deliver(w, follower, payloads);
    }
  } catch (e) {
    for (const w of batch) answer(w.res, 503, JSON.stringify({ error: { code: 'unavailable', message: String(e) } }));
  } finally {
    writing = false;
    void write();
  }
}

let toRead: string[] = [];

/** One read for the long-polls that arrived since the last: what each follower has pending. */
async function readPending(): Promise<void> {
  const followers = toRead;
  toRead = [];
  let found: Map<string, string[]>;
  try {
    const { rows } = await db.query<{ follower: string; p: string }>(PENDING, [followers]);
    found = new Map();
    for (const r of rows) found.set(r.follower, [...(found.get(r.follower) ?? []), r.p]);
  } catch (e) {
    for (const f of followers) {
      const w = waiting.get(f);
      if (w && !w.done && !w.read) {
        w.done = true;
        clearTimeout(w.timer);
        waiting.delete(f);
        answer(w.res, 503, JSON.stringify({ error: { code: 'unavailable', message: String(e) } }));
      }
    }
    return;
  }
  for (const f of followers) {
    const w = waiting.get(f);
    if (!w || w.done) continue;
    w.read = true;
    const payloads = found.get(f);
    if (payloads) deliver(w, f, payloads.slice(0, 100));
  }
}

function longPoll(res: ServerResponse, follower: string, waitS: number): void {
  const w: Waiter = { res, done: false, read: false, timer: setTimeout(() => { if (!w.done) deliver(w, follower, []); }, waitS * 1000) };
  // Waiting before the read: an order committed meanwhile is handed over, not missed.
  const before = waiting.get(follower);
  if (before) { // one long-poll per follower, as an EA holds
    before.done = true;
    clearTimeout(before.timer);
    before.res.destroy();
  }
  waiting.set(follower, w);
  if (toRead.push(follower) === 1) setImmediate(() => void readPending());
}

/** The followers a master's signal goes to, by the key id conventions above. */
function followersOf(keyId: string): string[] {
  if (keyId.includes('-m-')) return [keyId.replace('-m-', '-f-')];
  const fan = /^(.*)-fan-(\d+)$/.exec(keyId);
  return fan ? Array.from({ length: Number(fan[2]) }, (_, i) => `${fan[1]}-ff-${i}`) : [];
}

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    let n = 0;
    for (const w of waiting.values()) if (!w.done && w.read) n++; // waiting once its read found nothing
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`kopitra_long_polls_waiting ${n}\n`);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const key = String(req.headers['idempotency-key'] ?? '');
    const keyId = String(req.headers['x-kopitra-key-id'] ?? '');
    const path = req.url ?? '/';
    const ok = signatureMatches(secret, {
      timestamp: String(req.headers['x-kopitra-timestamp'] ?? ''), method: req.method ?? 'GET', path, idempotencyKey: key, body,
    }, String(req.headers['x-kopitra-signature'] ?? ''));
    if (!ok) return answer(res, 401, JSON.stringify({ error: { code: 'unauthenticated', message: 'bad signature' } }));
    if (req.method === 'GET' && path.startsWith('/trade-agent/v1/orders')) {
      const waitS = Math.min(30, Number(new URL(path, 'http://x').searchParams.get('wait') ?? 0));
      longPoll(res, keyId, waitS);
      return;
    }
    const text = body.toString('utf8');
    let parsed: { sequence?: number; orderId?: string; position?: { id?: string; volume?: number; symbol?: string; side?: string } };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return answer(res, 400, JSON.stringify({ error: { code: 'invalid_json', message: 'body is not JSON' } }));
    }
    if (path === '/trade-agent/v1/executions') {
      if (typeof parsed.orderId !== 'string') return answer(res, 400, JSON.stringify({ error: { code: 'invalid_request', message: 'orderId is required' } }));
      queue.push({ res, answer: JSON.stringify({ accepted: true, orderId: parsed.orderId }), filled: parsed.orderId });
    } else {
      const p = parsed.position;
      const orders = p ? followersOf(keyId).map((follower, i) => {
        const id = `${keyId}:${key}:${i}`;
        return { id, follower, payload: JSON.stringify({ orderId: id, action: 'open', masterPositionId: p.id, symbol: p.symbol, side: p.side, volume: p.volume }) };
      }) : [];
      queue.push({ res, answer: JSON.stringify({ accepted: true, sequence: parsed.sequence ?? null, orders: orders.length }), signal: { keyId, key, body: text }, orders });
    }
    void write();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'durable-floor', url: `http://127.0.0.1:${addr.port}` }) + '\n');
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void db.close().finally(() => process.exit(0)));
});
