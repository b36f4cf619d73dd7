// The signal path's subscriptions held between signals: read again only for masters whose rows
// changed — a subscription's settings or status, the follower account, the follower's state, a
// subscription added or deleted — whoever changed them; otherwise exactly what a full read returns.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { loadFollowerContextsForMasters } from './load-copy-context';
import { SubscriptionCache } from './subscription-cache';

const SETTINGS = { sizing: { mode: 'multiplier', multiplier: 1 } };

for (const backend of testBackends()) {
  describe(`subscription cache on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    const cache = new SubscriptionCache();

    before(async () => {
      ({ db, drop } = await backend.open());
      await db.exec(`
        INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login) VALUES
          ('m1', 'M1', 'master', 'mt5', 'b', 's', '1'), ('m2', 'M2', 'master', 'mt5', 'b', 's', '2'),
          ('f1', 'F1', 'follower', 'mt5', 'b', 's', '3'), ('f2', 'F2', 'follower', 'mt5', 'b', 's', '4');
        INSERT INTO account_state (account_id, balance, equity) VALUES ('f1', 1000, 1000);
        INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings, created_at) VALUES
          ('s1', 'm1', 'f1', '${JSON.stringify(SETTINGS)}', now() - interval '2 minutes'),
          ('s2', 'm1', 'f2', '${JSON.stringify(SETTINGS)}', now() - interval '1 minute');`);
    });
    after(async () => drop());

    /** Through the cache, checked against a full read of the same rows. */
    async function load(masters = ['m1', 'm2']) {
      const before = { hits: cache.hits, misses: cache.misses };
      const cached = await db.tx((q) => loadFollowerContextsForMasters(q, masters, undefined, [], cache));
      const full = await db.tx((q) => loadFollowerContextsForMasters(q, masters, undefined, []));
      assert.deepEqual(cached, full, 'the same contexts as a full read');
      const view = Object.fromEntries([...cached].map(([m, list]) => [m, list.map((c) => `${c.subscription.id}:${c.subscription.status}:${c.follower.equity}:${c.followerStatus}`)]));
      return { view, hits: cache.hits - before.hits, misses: cache.misses - before.misses };
    }

    test('first read fills it; an unchanged master is not read again', async () => {
      assert.deepEqual(await load(), { view: { m1: ['s1:active:1000:active', 's2:active:null:active'], m2: [] }, hits: 0, misses: 2 });
      assert.deepEqual(await load(), { view: { m1: ['s1:active:1000:active', 's2:active:null:active'], m2: [] }, hits: 2, misses: 0 });
    });

    test('every kind of change to a master\'s rows is seen at once, and only that master is read again', async () => {
      await db.query(`UPDATE subscriptions SET status = 'paused' WHERE id = 's2'`);
      assert.deepEqual(await load(), { view: { m1: ['s1:active:1000:active', 's2:paused:null:active'], m2: [] }, hits: 1, misses: 1 });
      await db.query(`UPDATE account_state SET equity = 900 WHERE account_id = 'f1'`);
      assert.equal((await load()).view.m1![0], 's1:active:900:active', 'follower state');
      await db.query(`INSERT INTO account_state (account_id, equity) VALUES ('f2', 50)`);
      assert.equal((await load()).view.m1![1], 's2:paused:50:active', 'a follower state row that did not exist');
      await db.query(`UPDATE accounts SET status = 'disabled' WHERE id = 'f1'`);
      assert.equal((await load()).view.m1![0], 's1:active:900:disabled', 'follower account');
      await db.query(`UPDATE subscriptions SET deleted_at = now() WHERE id = 's1'`);
      assert.deepEqual((await load()).view.m1, ['s2:paused:50:active'], 'deleted');
      await db.query(`INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings) VALUES ('s3', 'm2', 'f1', '${JSON.stringify(SETTINGS)}')`);
      const r = await load();
      assert.deepEqual(r.view.m2, ['s3:active:900:disabled'], 'added');
      assert.deepEqual({ hits: r.hits, misses: r.misses }, { hits: 1, misses: 1 });
    });

    test("a full cache starts over without losing a master's subscriptions", async () => {
      const small = new SubscriptionCache(1);
      await db.tx((q) => loadFollowerContextsForMasters(q, ['m1'], undefined, [], small));
      const both = await db.tx((q) => loadFollowerContextsForMasters(q, ['m1', 'm2'], undefined, [], small));
      assert.deepEqual([...both].map(([m, l]) => [m, l.length]), [['m1', 1], ['m2', 1]]);
    });
  });
}
