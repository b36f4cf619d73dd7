import { QueueServiceClient } from '@azure/storage-queue';
import { STORAGE_PIPELINE_OPTIONS } from './client-options';
import { parseConnectionString } from './connection-string';

export interface QueueMessage<T = unknown> {
  messageId: string;
  popReceipt: string;
  /** How many times the message was handed out, this time included (poison detection). */
  dequeueCount: number;
  body: T;
}

/**
 * One Azure Storage queue carrying JSON messages. Delivery is at least once: a received message
 * is invisible for the visibility timeout and comes back unless it is deleted before then.
 */
export interface TaskQueue {
  readonly name: string;
  ensure(): Promise<void>;
  send(body: unknown): Promise<void>;
  receive(options: { max: number; visibilityTimeoutSeconds: number }): Promise<QueueMessage[]>;
  delete(message: Pick<QueueMessage, 'messageId' | 'popReceipt'>): Promise<void>;
  /** Pushes the message's reappearance further out (a long task keeps its claim). */
  extend(message: Pick<QueueMessage, 'messageId' | 'popReceipt'>, visibilityTimeoutSeconds: number): Promise<string>;
  ping(): Promise<boolean>;
}

export function createTaskQueue(options: { connectionString: string; queue: string }): TaskQueue {
  parseConnectionString(options.connectionString);
  const service = QueueServiceClient.fromConnectionString(options.connectionString, STORAGE_PIPELINE_OPTIONS);
  const client = service.getQueueClient(options.queue);
  return {
    name: options.queue,
    async ensure() {
      await client.createIfNotExists();
    },
    async send(body) {
      // Base64 text, as Azure Functions and most Azure tooling expect queue messages to be.
      await client.sendMessage(Buffer.from(JSON.stringify(body), 'utf8').toString('base64'));
    },
    async receive({ max, visibilityTimeoutSeconds }) {
      const res = await client.receiveMessages({ numberOfMessages: Math.min(Math.max(max, 1), 32), visibilityTimeout: visibilityTimeoutSeconds });
      return res.receivedMessageItems.map((m) => {
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8'));
        } catch {
          body = null; // not ours or corrupt: the consumer treats it as poison
        }
        return { messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, body };
      });
    },
    async delete(m) {
      try {
        await client.deleteMessage(m.messageId, m.popReceipt);
      } catch (e) {
        // Already gone (deleted by another consumer after our claim lapsed): nothing left to do.
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    },
    async extend(m, visibilityTimeoutSeconds) {
      const res = await client.updateMessage(m.messageId, m.popReceipt, undefined, visibilityTimeoutSeconds);
      return res.popReceipt ?? m.popReceipt;
    },
    async ping() {
      try {
        await client.getProperties();
        return true;
      } catch {
        return false;
      }
    },
  };
}
