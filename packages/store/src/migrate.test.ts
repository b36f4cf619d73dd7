import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from './testing';
import { migrate, splitSql } from './migrate';

test('splitSql keeps $$ bodies and quoted semicolons whole', () => {
  const parts = splitSql(`CREATE TABLE a (x text DEFAULT ';'); -- c;omment\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'x;y'; END $$;`);
  assert.equal(parts.length, 2);
  assert.match(parts[1]!, /END \$\$$/);
});

for (const backend of testBackends()) {
  describe(`migrations on ${backend.name}`, () => {
    test('apply once, then nothing; audit_log refuses UPDATE and DELETE', async () => {
      const { db, drop } = await backend.open();
      try {
        assert.deepEqual(await migrate(db), [], 'openDb already migrated');
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        assert.ok(rows[0]!.n >= 1);
        await db.query(`INSERT INTO audit_log (actor, action, prev_hash, hash) VALUES ('t', 'x', '', 'h')`);
        await assert.rejects(db.query(`UPDATE audit_log SET actor = 'evil'`), /append-only/);
        await assert.rejects(db.query(`DELETE FROM audit_log`), /append-only/);
      } finally {
        await drop();
      }
    });
  });
}
