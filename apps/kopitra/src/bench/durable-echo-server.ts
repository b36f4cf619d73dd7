// The durable floor: the echo's work (node:http, HMAC verify, JSON parse, a JSON answer) plus the
// least a durable signal needs — its body written to PostgreSQL, committed (synchronous_commit on)
// before the answer, deduplicated by its idempotency key. Group commit as the gateway's: requests
// that arrive while a statement commits go together in the next one, one statement (its own
// transaction) for all of them. No copy logic: what the gateway adds on top of this is its own cost.
import { createServer, type ServerResponse } from 'node:http';
import { signatureMatches } from '@kopitra/protocol';
import { openDb } from '@kopitra/store';

const secret = process.env.KOPITRA_BENCH_SECRET ?? 'bench-secret';
// The gateway's own PostgreSQL adapter (prepared statements, one pooled connection busy at a time here).
const db = await openDb({ databaseUrl: process.env.DATABASE_URL });
await db.query(`CREATE TABLE IF NOT EXISTS bench_durable_echo (
  key_id text NOT NULL, idempotency_key text NOT NULL, body jsonb NOT NULL, PRIMARY KEY (key_id, idempotency_key))`);

interface Item { keyId: string; key: string; body: string; sequence: number | null; res: ServerResponse }
let queue: Item[] = [];
let writing = false;

const INSERT = `INSERT INTO bench_durable_echo (key_id, idempotency_key, body)
  SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING`;

function answer(res: ServerResponse, status: number, out: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

async function write(): Promise<void> {
  if (writing || queue.length === 0) return;
  writing = true;
  const batch = queue;
  queue = [];
  try {
    await db.query(INSERT, [batch.map((i) => i.keyId), batch.map((i) => i.key), batch.map((i) => i.body)]);
    for (const i of batch) answer(i.res, 202, JSON.stringify({ accepted: true, sequence: i.sequence }));
  } catch (e) {
    for (const i of batch) answer(i.res, 503, JSON.stringify({ error: { code: 'unavailable', message: String(e) } }));
  } finally {
    writing = false;
    void write();
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const key = String(req.headers['idempotency-key'] ?? '');
    const ok = signatureMatches(secret, {
      timestamp: String(req.headers['x-kopitra-timestamp'] ?? ''), method: req.method ?? 'GET', path: req.url ?? '/',
      idempotencyKey: key, body,
    }, String(req.headers['x-kopitra-signature'] ?? ''));
    if (!ok) return answer(res, 401, JSON.stringify({ error: { code: 'unauthenticated', message: 'bad signature' } }));
    const text = body.toString('utf8');
    let parsed: { sequence?: number };
    try {
      parsed = JSON.parse(text) as { sequence?: number };
    } catch {
      return answer(res, 400, JSON.stringify({ error: { code: 'invalid_json', message: 'body is not JSON' } }));
    }
    queue.push({ keyId: String(req.headers['x-kopitra-key-id'] ?? ''), key, body: text, sequence: parsed.sequence ?? null, res });
    void write();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'durable-echo', url: `http://127.0.0.1:${addr.port}` }) + '\n');
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void db.close().finally(() => process.exit(0)));
});
