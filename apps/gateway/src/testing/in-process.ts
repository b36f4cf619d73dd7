import type { FastifyInstance } from 'fastify';
import type { Db } from '@kopitra/store';
import type { TestBackend } from '@kopitra/store/testing';
import { buildGatewayApp } from '../app';
import { DEFAULT_GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { GatewayContext } from '../gateway-context';
import { seedAccount, seedSubscription, testSecretBox, type TestCredential } from './fixtures';

/** A gateway in this process on a fresh database, with one master and one subscribed follower. */
export interface InProcessGateway {
  db: Db;
  app: FastifyInstance;
  ctx: GatewayContext;
  master: TestCredential;
  follower: TestCredential;
  subscriptionId: string;
  /** Closes the gateway (if a test has not already) and drops the database. */
  close(): Promise<void>;
}

/** `gatewayDb`: what the gateway is given instead of the database itself (a wrapper that counts, say). */
export async function startInProcessGateway(backend: TestBackend, config: Partial<GatewayConfig> = {}, gatewayDb: (db: Db) => Db = (db) => db): Promise<InProcessGateway> {
  const { db, drop } = await backend.open();
  let ctx: GatewayContext | undefined;
  const app = await buildGatewayApp({ db: gatewayDb(db), secretBox: testSecretBox, config: { ...DEFAULT_GATEWAY_CONFIG, ...config }, onContext: (c) => { ctx = c; } });
  const master = await seedAccount(db, 'master');
  const follower = await seedAccount(db, 'follower');
  const subscriptionId = await seedSubscription(db, master.accountId, follower.accountId);
  return {
    db, app, ctx: ctx!, master, follower, subscriptionId,
    async close() {
      await app.close();
      await drop();
    },
  };
}
