// A task worker in its own process, for the SIGKILL test: it connects to the same PostgreSQL and
// queue, and after each committed effect prints `effect <runId> <name>` and hangs, so the test can
// kill it with SIGKILL exactly between the effect and the message's delete.
import { createTaskQueue, createBlobStore } from '@kopitra/storage';
import { openDb } from '@kopitra/store';
import { testSecretBox } from '@kopitra/gateway/testing';
import { createTaskWorker } from '../task-worker';

const env = process.env;
const db = await openDb({ databaseUrl: env.DATABASE_URL! });
const queue = createTaskQueue({ connectionString: env.AZURE_STORAGE_CONNECTION_STRING!, queue: env.KOPITRA_TASK_QUEUE! });
const blobs = createBlobStore({ connectionString: env.AZURE_STORAGE_CONNECTION_STRING!, container: env.KOPITRA_BLOB_CONTAINER! });
const worker = createTaskWorker({
  db, secretBox: testSecretBox, queue, blobs, pollIntervalMs: 50, visibilityTimeoutSeconds: Number(env.VISIBILITY ?? '2'),
  afterEffect: async (runId, effect) => {
    process.stdout.write(`effect ${runId} ${effect}\n`);
    await new Promise(() => {});
  },
});
worker.start();
process.stdout.write('ready\n');
