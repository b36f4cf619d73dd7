import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db';
import { listAuditLog } from '../admin/audit-log';
import { testBackends } from '../testing';
import { FlagsReader } from './flags-reader';
import { listFlags, setFlag } from './flags';

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const backend of testBackends()) {
  describe(`feature flags on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let reader: FlagsReader;
    before(async () => {
      ({ db, drop } = await backend.open());
      reader = new FlagsReader(db, { maxAgeMs: 3_600_000 });
      await reader.start();
    });
    after(async () => {
      await reader.stop();
      await drop();
    });

    test('seeded flags are there', async () => {
      const names = (await listFlags(db)).map((f) => f.name);
      for (const n of ['copy.pending_orders', 'copy.reverse', 'broker.mt4']) assert.ok(names.includes(n), n);
      assert.equal(reader.isEnabled('copy.reverse'), true);
      assert.equal(reader.isEnabled('no.such.flag'), false);
      assert.equal(reader.isEnabled('no.such.flag', true), true);
    });

    test('a change is audited and reaches the reader through NOTIFY, without a restart', async () => {
      const flag = await db.tx((q) => setFlag(q, 'op_1', 'copy.reverse', false));
      assert.equal(flag?.enabled, false);
      assert.equal(flag?.updatedBy, 'op_1');
      await until(() => reader.isEnabled('copy.reverse') === false);
      const audit = await listAuditLog(db, { target: 'flag:copy.reverse' });
      assert.deepEqual(audit.map((a) => [a.action, a.before, a.after]), [['flag.update', { enabled: true }, { enabled: false }]]);
      await db.tx((q) => setFlag(q, 'op_1', 'copy.reverse', true));
      await until(() => reader.isEnabled('copy.reverse') === true);
    });

    test('an unknown flag is not created, and a rolled-back change is not announced', async () => {
      assert.equal(await db.tx((q) => setFlag(q, 'op_1', 'copy.nope', true)), null);
      await assert.rejects(db.tx(async (q) => {
        await setFlag(q, 'op_1', 'broker.mt4', false);
        throw new Error('abort');
      }));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(reader.isEnabled('broker.mt4'), true);
      assert.equal((await listFlags(db)).find((f) => f.name === 'broker.mt4')?.enabled, true);
    });
  });
}
