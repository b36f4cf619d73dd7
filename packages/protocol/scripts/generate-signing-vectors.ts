// Writes test-vectors/signing-v1.json: inputs → canonical string → signature, for every EA implementation.
// Run: npx tsx packages/protocol/scripts/generate-signing-vectors.ts  (the file is committed; the tests check it)
import { writeFileSync } from 'node:fs';
import { canonicalString, sha256Hex, signRequest } from '../src/sign-request';

const secret = 'q3v8Yk0bJr2nV5mXcT7wZ1aP4sD6fG9hK2lM5nB8vC0'; // base64url text, used as raw key bytes
const inputs = [
  { name: 'signal position.opened', secret, timestamp: '1764075600123', method: 'POST', path: '/trade-agent/v1/signals', idempotencyKey: 'sig-42',
    body: '{"sequence":42,"type":"position.opened","occurredAt":"2026-11-25T13:00:00.123Z","position":{"id":"5012345","symbol":"EURUSD.m","side":"buy","volume":1.25,"price":1.08345,"sl":1.08,"tp":1.09,"magic":0,"comment":""}}' },
  { name: 'orders long-poll GET with query, empty body', secret, timestamp: '1764075601000', method: 'GET', path: '/trade-agent/v1/orders?wait=20&limit=50', idempotencyKey: '', body: '' },
  { name: 'execution report', secret, timestamp: '1764075602500', method: 'POST', path: '/trade-agent/v1/executions', idempotencyKey: 'exec:ord_abc:filled',
    body: '{"orderId":"ord_abc","status":"filled","executedAt":"2026-11-25T13:00:02.400Z","volume":0.5,"price":1.08351,"followerPositionId":"7001","brokerCode":"10009","message":""}' },
  { name: 'telemetry with non-ASCII UTF-8 in the body', secret: 'Zm9sbG93ZXItc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDE', timestamp: '1764075603999', method: 'POST', path: '/trade-agent/v1/telemetry', idempotencyKey: 'hb.2026-11-25T13:00:03Z',
    body: '{"kind":"snapshot","sentAt":"2026-11-25T13:00:03.999Z","account":{"balance":10000,"equity":10012.5,"currency":"EUR","leverage":100},"positions":[{"id":"1","symbol":"GER40","side":"sell","volume":0.1,"price":18500.5,"sl":null,"tp":null,"comment":"Grüße – 取引 ✓"}],"orders":[],"symbols":[]}' },
  { name: 'health-like GET without query', secret: 'a-very-long-secret-with-dashes_and_underscores-0123456789abcdefghijklmnop', timestamp: '1', method: 'GET', path: '/trade-agent/v1/orders', idempotencyKey: '', body: '' },
];

const vectors = inputs.map((v) => ({
  ...v,
  bodySha256: sha256Hex(Buffer.from(v.body, 'utf8')),
  canonical: canonicalString({ ...v, body: Buffer.from(v.body, 'utf8') }),
  signature: signRequest(v.secret, { ...v, body: Buffer.from(v.body, 'utf8') }),
}));

const out = new URL('../test-vectors/signing-v1.json', import.meta.url);
writeFileSync(out, JSON.stringify({ version: 'v1', description: 'EA request signing: canonical string and HMAC-SHA256 signature per ea-protocol-v1.md. body is the exact UTF-8 text of the raw body.', vectors }, null, 2) + '\n');
console.log(`wrote ${vectors.length} vectors to ${out.pathname}`);
