// The bare baseline: node:http, HMAC-verify + JSON-parse + a JSON answer. No framework, no database.
import { createServer } from 'node:http';
import { signatureMatches } from '@kopitra/protocol';

const secret = process.env.KOPITRA_BENCH_SECRET ?? 'bench-secret';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ok = signatureMatches(secret, {
      timestamp: String(req.headers['x-kopitra-timestamp'] ?? ''), method: req.method ?? 'GET', path: req.url ?? '/',
      idempotencyKey: String(req.headers['idempotency-key'] ?? ''), body,
    }, String(req.headers['x-kopitra-signature'] ?? ''));
    let parsed: { sequence?: number } = {};
    try {
      parsed = JSON.parse(body.toString('utf8')) as { sequence?: number };
    } catch { /* answered below */ }
    const out = JSON.stringify(ok ? { accepted: true, sequence: parsed.sequence ?? null } : { error: { code: 'unauthenticated', message: 'bad signature' } });
    res.writeHead(ok ? 202 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: 'listening', service: 'echo', url: `http://127.0.0.1:${addr.port}` }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
