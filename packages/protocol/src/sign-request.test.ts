import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { canonicalString, sha256Hex, signRequest, signatureMatches } from './sign-request';

interface Vector { name: string; secret: string; timestamp: string; method: string; path: string; idempotencyKey: string; body: string; bodySha256: string; canonical: string; signature: string }
const file = JSON.parse(readFileSync(new URL('../test-vectors/signing-v1.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

/** An independent HMAC implementation (the openssl CLI) referees the published vectors. */
function opensslHmac(secret: string, data: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-r'], { input: data }).toString();
  return out.split(' ')[0]!.trim();
}

test('published vectors: canonical string is six lines, no trailing newline', () => {
  assert.ok(file.vectors.length >= 5);
  for (const v of file.vectors) {
    const lines = v.canonical.split('\n');
    assert.equal(lines.length, 6, v.name);
    assert.deepEqual(lines, ['v1', v.timestamp, v.method, v.path, v.idempotencyKey, v.bodySha256], v.name);
    assert.equal(canonicalString({ ...v, body: Buffer.from(v.body, 'utf8') }), v.canonical, v.name);
  }
});

test('published vectors: body hashes and signatures match an independent HMAC (openssl)', () => {
  for (const v of file.vectors) {
    const sha = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: Buffer.from(v.body, 'utf8') }).toString().split(' ')[0];
    assert.equal(sha, v.bodySha256, v.name);
    assert.equal(sha256Hex(Buffer.from(v.body, 'utf8')), v.bodySha256, v.name);
    assert.equal('v1=' + opensslHmac(v.secret, v.canonical), v.signature, v.name);
    assert.equal(signRequest(v.secret, { ...v, body: Buffer.from(v.body, 'utf8') }), v.signature, v.name);
  }
});

test('empty body hashes to the SHA-256 of the empty string', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('signatureMatches accepts the right signature and refuses every alteration', () => {
  const v = file.vectors[0]!;
  const parts = { ...v, body: Buffer.from(v.body, 'utf8') };
  assert.equal(signatureMatches(v.secret, parts, v.signature), true);
  assert.equal(signatureMatches(v.secret, { ...parts, body: Buffer.from(v.body.replace('1.25', '1.26')) }, v.signature), false);
  assert.equal(signatureMatches(v.secret, { ...parts, path: v.path + '?x=1' }, v.signature), false);
  assert.equal(signatureMatches(v.secret, { ...parts, timestamp: String(Number(v.timestamp) + 1) }, v.signature), false);
  assert.equal(signatureMatches(v.secret, { ...parts, idempotencyKey: 'other' }, v.signature), false);
  assert.equal(signatureMatches(v.secret + 'x', parts, v.signature), false);
  assert.equal(signatureMatches(v.secret, parts, v.signature.toUpperCase()), false);
  assert.equal(signatureMatches(v.secret, parts, v.signature.slice(3)), false);
  assert.equal(signatureMatches(v.secret, parts, ''), false);
});
