import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadStorageConfig } from '../config';

test('storage configuration: defaults, and every problem listed together', () => {
  assert.deepEqual(loadStorageConfig({}), {
    connectionString: undefined, taskQueue: 'kopitra-tasks', blobContainer: 'kopitra-artifacts', eaLogMaxBytes: 65_536, taskWorker: true,
  });
  const c = loadStorageConfig({
    AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=kopitra;AccountKey=a2V5;EndpointSuffix=core.windows.net',
    KOPITRA_TASK_QUEUE: 'ops-tasks', KOPITRA_BLOB_CONTAINER: 'ops-artifacts', KOPITRA_EA_LOG_MAX_BYTES: '8192', KOPITRA_TASK_WORKER: '0',
  });
  assert.deepEqual([c.taskQueue, c.blobContainer, c.eaLogMaxBytes, c.taskWorker], ['ops-tasks', 'ops-artifacts', 8192, false]);
  assert.throws(() => loadStorageConfig({
    AZURE_STORAGE_CONNECTION_STRING: 'BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=sv=1',
    KOPITRA_TASK_QUEUE: 'Bad_Queue', KOPITRA_BLOB_CONTAINER: 'x', KOPITRA_EA_LOG_MAX_BYTES: '1000000', KOPITRA_TASK_WORKER: 'yes',
  }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 6, e.message);
    return true;
  });
});
