import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@kopitra/store/testing';
import { lsnBytes, storagePerUnit, storageSnapshot } from './storage-per-signal';

describe('WAL positions', () => {
  test('a pg_lsn text as bytes: the high 32 bits, then the low', () => {
    assert.equal(lsnBytes('0/0'), 0n);
    assert.equal(lsnBytes('0/16B3748'), 0x16b3748n);
    assert.equal(lsnBytes('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
    assert.throws(() => lsnBytes('16B374D848'), /not a WAL position/);
  });
});

for (const backend of testBackends()) {
  describe(`what a phase wrote, per unit, on ${backend.name}`, () => {
    // The WAL position is the whole server's (other tests may write meanwhile): only its lower bound holds.
    test('1,000 rows of 1 kB: at least their bytes of WAL each, and the tables grew by about as much', async () => {
      const { db, drop } = await backend.open();
      try {
        await db.query('CREATE TABLE bench_storage_probe (id int PRIMARY KEY, body text)');
        const from = await storageSnapshot(db);
        // Incompressible text, so that neither the WAL nor the table holds less than was written.
        await db.query(`INSERT INTO bench_storage_probe SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 32) i)
                          FROM generate_series(1, 1000) g`);
        const per = storagePerUnit(from, await storageSnapshot(db), 1000);
        assert.ok(per, 'units were given');
        assert.ok(per.walBytes >= 1024, `WAL ${per.walBytes} B per row`);
        assert.ok(per.tableBytes >= 1024 && per.tableBytes < 4096, `table growth ${per.tableBytes} B per row`);
        assert.equal(storagePerUnit(from, from, 0), null);
      } finally {
        await drop();
      }
    });
  });
}
