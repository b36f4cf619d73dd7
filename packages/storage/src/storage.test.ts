// Against a real Azurite, started both ways (from node_modules and from its bundle, see
// azurite-bundle.ts): blobs round-trip, queue messages are delivered at least once (an undeleted
// message reappears after its visibility timeout with a higher dequeue count) and a deleted one
// never comes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AZURITE_BUNDLE, azuriteBundleStale, buildAzuriteBundle, stockAzuriteEntry } from './azurite-bundle';
import { createBlobStore, createTaskQueue, parseConnectionString, startAzurite, type BlobStore, type RunningAzurite, type TaskQueue } from './index';

// Built beside the real one (inside the checkout, as the real one is), removed after.
const bundleDir = join(dirname(AZURITE_BUNDLE), `test-${process.pid}`);
const testBundle = join(bundleDir, 'azurite.cjs');
after(() => rmSync(bundleDir, { recursive: true, force: true }));

test('the Azurite bundle is stale until built, then until npm installs again', async () => {
  assert.equal(azuriteBundleStale(testBundle), 'not built');
  mkdirSync(bundleDir, { recursive: true });
  const { bytes } = await buildAzuriteBundle(testBundle);
  assert.ok(bytes > 1_000_000, `${bytes} bytes`);
  assert.equal(azuriteBundleStale(testBundle), null);
  const past = new Date(statSync(testBundle).mtimeMs - 3_600_000 * 24 * 365 * 20);
  utimesSync(testBundle, past, past);
  assert.match(azuriteBundleStale(testBundle) ?? '', /older azurite-bundle\.ts|npm installed after it/);
  await buildAzuriteBundle(testBundle);
  assert.equal(azuriteBundleStale(testBundle), null);
});

for (const [how, entry] of [['node_modules', () => stockAzuriteEntry()], ['its bundle', () => testBundle]] as const) describe(`storage adapters on Azurite started from ${how}`, () => {
  let dir: string;
  let azurite: RunningAzurite;
  let blobs: BlobStore;
  let queue: TaskQueue;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopitra-azurite-'));
    azurite = await startAzurite({ location: dir, entry: entry() });
    blobs = createBlobStore({ connectionString: azurite.connectionString, container: 'test-artifacts' });
    queue = createTaskQueue({ connectionString: azurite.connectionString, queue: 'test-tasks' });
    await blobs.ensure();
    await queue.ensure();
    await blobs.ensure(); // idempotent
  });

  after(async () => {
    await azurite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts on free loopback ports and answers', async () => {
    assert.ok(azurite.blobPort > 0 && azurite.queuePort > 0 && azurite.blobPort !== azurite.queuePort);
    assert.ok(await blobs.ping());
    assert.ok(await queue.ping());
  });

  test('a blob round-trips with its content type, size and sha256', async () => {
    const data = Buffer.from('hello kopitra\n'.repeat(1000));
    const stored = await blobs.put('logs/a.txt', data, 'text/plain');
    assert.equal(stored.size, data.length);
    assert.match(stored.sha256, /^[0-9a-f]{64}$/);
    const opened = await blobs.open('logs/a.txt');
    assert.ok(opened);
    assert.equal(opened.contentType, 'text/plain');
    assert.equal(opened.size, data.length);
    const chunks: Buffer[] = [];
    for await (const c of opened.stream) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), data);
    assert.equal(await blobs.open('logs/missing.txt'), null);
    assert.equal(await blobs.read('logs/missing.txt'), null);
  });

  test('queue: an undeleted message reappears after its visibility timeout; a deleted one does not', async () => {
    await queue.send({ runId: 'run_x', n: 1 });
    const [first] = await queue.receive({ max: 1, visibilityTimeoutSeconds: 1 });
    assert.ok(first);
    assert.deepEqual(first.body, { runId: 'run_x', n: 1 });
    assert.equal(first.dequeueCount, 1);
    assert.deepEqual(await queue.receive({ max: 1, visibilityTimeoutSeconds: 1 }), [], 'invisible while claimed');
    await new Promise((r) => setTimeout(r, 1_300));
    const [again] = await queue.receive({ max: 1, visibilityTimeoutSeconds: 30 });
    assert.ok(again, 'reappeared');
    assert.equal(again.messageId, first.messageId);
    assert.equal(again.dequeueCount, 2);
    await queue.delete(again);
    await queue.delete(again); // already gone: no error
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await queue.receive({ max: 5, visibilityTimeoutSeconds: 1 }), []);
  });

  test('persists under its location across a restart', async () => {
    await blobs.put('keep.txt', Buffer.from('kept'), 'text/plain');
    await azurite.close();
    azurite = await startAzurite({ location: dir, entry: entry() });
    const b = createBlobStore({ connectionString: azurite.connectionString, container: 'test-artifacts' });
    assert.equal((await b.read('keep.txt'))?.toString(), 'kept');
  });

  test('only account-key connection strings are accepted', () => {
    assert.throws(() => parseConnectionString('BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=sv=1'), /AccountName/);
    assert.throws(() => parseConnectionString('AccountName=x;BlobEndpoint=https://x'), /AccountKey/);
    assert.equal(parseConnectionString(azurite.connectionString).accountName, 'devstoreaccount1');
  });
});
