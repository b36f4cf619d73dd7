import { createBlobStore, type BlobStore } from './blob-store';
import { createTaskQueue, type TaskQueue } from './task-queue';

export interface PlatformStorage {
  blobs: BlobStore;
  queue: TaskQueue;
}

/** The artifact container and the task queue of one storage account, created when missing. */
export async function openStorage(options: { connectionString: string; container: string; queue: string }): Promise<PlatformStorage> {
  const blobs = createBlobStore({ connectionString: options.connectionString, container: options.container });
  const queue = createTaskQueue({ connectionString: options.connectionString, queue: options.queue });
  await Promise.all([blobs.ensure(), queue.ensure()]);
  return { blobs, queue };
}
