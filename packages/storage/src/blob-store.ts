import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { STORAGE_PIPELINE_OPTIONS } from './client-options';
import { parseConnectionString } from './connection-string';

export interface StoredBlob {
  name: string;
  size: number;
  sha256: string;
}

export interface BlobContent {
  stream: Readable;
  size: number;
  contentType: string;
}

/** One Blob Storage container: artifacts (EA logs, audit bundles, reports). */
export interface BlobStore {
  readonly container: string;
  /** Creates the container when missing (start-up). */
  ensure(): Promise<void>;
  /** Writes (or overwrites) a block blob. */
  put(name: string, data: Uint8Array, contentType: string): Promise<StoredBlob>;
  /** Streams a blob; null when it does not exist. */
  open(name: string): Promise<BlobContent | null>;
  /** Whole blob in memory (tests, small files); null when missing. */
  read(name: string): Promise<Buffer | null>;
  ping(): Promise<boolean>;
}

export function createBlobStore(options: { connectionString: string; container: string }): BlobStore {
  parseConnectionString(options.connectionString);
  const service = BlobServiceClient.fromConnectionString(options.connectionString, STORAGE_PIPELINE_OPTIONS);
  const container = service.getContainerClient(options.container);
  const isNotFound = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;
  const store: BlobStore = {
    container: options.container,
    async ensure() {
      await container.createIfNotExists();
    },
    async put(name, data, contentType) {
      await container.getBlockBlobClient(name).uploadData(data, { blobHTTPHeaders: { blobContentType: contentType } });
      return { name, size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
    },
    async open(name) {
      try {
        const res = await container.getBlobClient(name).download();
        return {
          stream: res.readableStreamBody as Readable,
          size: res.contentLength ?? 0,
          contentType: res.contentType ?? 'application/octet-stream',
        };
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    async read(name) {
      try {
        return await container.getBlobClient(name).downloadToBuffer();
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    async ping() {
      try {
        await container.getProperties();
        return true;
      } catch {
        return false;
      }
    },
  };
  return store;
}
