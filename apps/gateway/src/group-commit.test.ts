import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { GroupCommit } from './group-commit';

// The scheduling of group commit on real PostgreSQL (two transactions at once need two
// connections, which PGlite does not have): which items go together, and when a second
// transaction may start.
const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;

describe('group commit', { skip: baseUrl ? false : 'needs KOPITRA_TEST_DATABASE_URL', timeout: 20_000 }, () => {
  let db: Db;
  let drop: () => Promise<void>;
  // Transactions a failed test left open are let go before the pool closes.
  const allGates: Array<() => void> = [];
  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    db = await openDb({ databaseUrl: fresh.url, migrate: false, poolSize: 4 });
    drop = async () => { await db.close(); await fresh.drop(); };
    await db.exec('CREATE TABLE items (id text PRIMARY KEY, batch int NOT NULL)');
  });
  after(async () => {
    allGates.forEach((g) => g());
    await drop();
  });

  /** A GroupCommit whose transactions insert their items and stay open until released. */
  function harness(options: ConstructorParameters<typeof GroupCommit<string, number>>[2]) {
    const batches: string[][] = [];
    const gates: Array<() => void> = [];
    let open = 0;
    let maxOpen = 0;
    const gc = new GroupCommit<string, number>(db, async (q, items) => {
      const n = batches.push(items);
      open++;
      maxOpen = Math.max(maxOpen, open);
      await new Promise<void>((r) => { gates.push(r); allGates.push(r); });
      open--;
      await q.query('INSERT INTO items (id, batch) SELECT unnest($1::text[]), $2', [items, n]);
      return { outcomes: items.map(() => n), after: undefined };
    }, options);
    /** Lets every transaction go, including those that start meanwhile, until all of ps settled. */
    const finish = async <T>(ps: Array<Promise<T>>): Promise<T[]> => {
      let done = false;
      const all = Promise.all(ps).finally(() => { done = true; });
      while (!done) {
        gates.splice(0).forEach((g) => g());
        await new Promise((r) => setTimeout(r, 5));
      }
      return all;
    };
    return { gc, batches, finish, maxOpen: () => maxOpen };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Until the condition holds (a loaded machine is slow to open a transaction). */
  const until = async (cond: () => boolean) => {
    while (!cond()) await sleep(5);
  };
  /** Time for something that must not happen to have happened, if it were going to. */
  const settle = () => sleep(50);

  test('items that arrive while a transaction is open go together in the next one', async () => {
    const h = harness({});
    const first = h.gc.submit('a1');
    await until(() => h.batches.length === 1);
    const rest = ['a2', 'a3', 'a4'].map((i) => h.gc.submit(i));
    await settle();
    assert.deepEqual(h.batches, [['a1']], 'one transaction at a time by default');
    assert.deepEqual(await h.finish([first, ...rest]), [1, 2, 2, 2]);
    assert.deepEqual(h.batches, [['a1'], ['a2', 'a3', 'a4']]);
  });

  test('quietFor: 0 while an item waits or a transaction is open, then the time since it ended', async () => {
    const h = harness({});
    await sleep(30);
    assert.ok(h.gc.quietFor() >= 25, 'quiet since it was made');
    const item = h.gc.submit('q1');
    assert.equal(h.gc.quietFor(), 0, 'an item in a transaction');
    await until(() => h.batches.length === 1);
    assert.equal(h.gc.quietFor(), 0, 'its transaction open');
    await h.finish([item]);
    await until(() => h.gc.quietFor() > 0);
    const ended = performance.now() - h.gc.quietFor();
    await sleep(20);
    assert.ok(Math.abs(performance.now() - h.gc.quietFor() - ended) < 2, 'counted from the end of the transaction');
  });

  test('a second transaction starts only when concurrentFrom items wait', async () => {
    const h = harness({ maxConcurrent: 2, concurrentFrom: 3 });
    const all = [h.gc.submit('b1')];
    await until(() => h.batches.length === 1);
    all.push(h.gc.submit('b2'), h.gc.submit('b3'));
    await settle();
    assert.equal(h.batches.length, 1, 'two waiting items: they wait for the open transaction');
    all.push(h.gc.submit('b4'));
    await until(() => h.batches.length === 2);
    assert.deepEqual(h.batches, [['b1'], ['b2', 'b3', 'b4']], 'the third waiting item starts a second transaction');
    assert.equal(h.maxOpen(), 2);
    await h.finish(all);
    const stored = await db.query<{ id: string }>("SELECT id FROM items WHERE id LIKE 'b%' ORDER BY id");
    assert.deepEqual(stored.rows.map((r) => r.id), ['b1', 'b2', 'b3', 'b4']);
  });

  test('an item whose lane has a transaction open waits for the next one', async () => {
    const h = harness({ maxConcurrent: 2, concurrentFrom: 1, lane: (i) => i.slice(0, 2) });
    const all = [h.gc.submit('c1-1')];
    await until(() => h.batches.length === 1);
    all.push(h.gc.submit('c1-2'), h.gc.submit('c2-1'));
    await until(() => h.batches.length === 2);
    await settle();
    assert.deepEqual(h.batches, [['c1-1'], ['c2-1']], "c1's second item waits for c1's first");
    await h.finish(all);
    assert.deepEqual(h.batches.slice(2), [['c1-2']]);
  });

  test('direct: tried first, outside a transaction; when it declines or fails, the transaction does the batch', async () => {
    const tried: string[][] = [];
    const h = harness({
      direct: async (items) => {
        tried.push(items);
        if (items.includes('d-decline')) return null;
        if (items.includes('d-fail')) throw new Error('the statement failed');
        await db.query('INSERT INTO items (id, batch) SELECT unnest($1::text[]), 0', [items]);
        return { outcomes: items.map(() => 0), after: undefined };
      },
    });
    assert.deepEqual(await h.gc.submit('d-ok'), 0, 'answered by direct');
    assert.deepEqual(h.batches, [], 'no transaction');
    assert.deepEqual(await h.finish([h.gc.submit('d-decline')]), [1]);
    assert.deepEqual(await h.finish([h.gc.submit('d-fail')]), [2]);
    assert.deepEqual(tried, [['d-ok'], ['d-decline'], ['d-fail']]);
    assert.deepEqual(h.batches, [['d-decline'], ['d-fail']]);
    const stored = await db.query<{ id: string; batch: number }>("SELECT id, batch FROM items WHERE id LIKE 'd-%' ORDER BY id");
    assert.deepEqual(stored.rows, [{ id: 'd-decline', batch: 1 }, { id: 'd-fail', batch: 2 }, { id: 'd-ok', batch: 0 }]);
  });
});
