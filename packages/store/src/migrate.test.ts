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
    test('050: every text id column (id, *_id) and the idempotency keys compare as bytes, whatever the database collation', async () => {
      const { db, drop } = await backend.open();
      try {
        // A column left in the database's collation is compared through strcoll on every B-tree
        // step, and comparing it with one of these fails outright (mismatched implicit collations).
        const { rows } = await db.query<{ col: string; collation: string | null }>(
          `SELECT c.table_name || '.' || c.column_name AS col, c.collation_name AS collation
             FROM information_schema.columns c
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type = 'text'
              AND (c.column_name = 'id' OR c.column_name LIKE '%\\_id' OR (c.table_name = 'idempotency_records' AND c.column_name = 'key'))
            ORDER BY 1`);
        assert.ok(rows.length >= 30, `the identifier columns were found (${rows.length})`);
        assert.deepEqual(rows.filter((r) => r.collation !== 'C').map((r) => r.col), []);
      } finally {
        await drop();
      }
    });
    test('040 keeps each signal in its audit run: runs without the whole signal get it, and the signals view reads it', async () => {
      const { db, drop } = await backend.open({ empty: true });
      try {
        await migrate(db, { before: 40 });
        await db.query(`INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login) VALUES ('acc_m', 'M', 'master', 'mt5', 'B', 'S', '1')`);
        const body = { type: 'position.opened', sequence: 7, occurredAt: '2026-11-26T10:00:00.000Z', position: { id: 'p1' } };
        // An older run, whose trigger held only part of the signal; and a run that held all of it.
        await db.query(`INSERT INTO audit_runs (id, kind, status, account_id, started_at, trigger)
                        VALUES ('run_7', 'signal', 'succeeded', 'acc_m', '2026-11-26T10:00:00.010Z', '{"signalId":"sig_7"}'),
                               ('run_8', 'signal', 'succeeded', 'acc_m', '2026-11-26T10:00:01.010Z', $1)`,
          [JSON.stringify({ signalId: 'sig_8', sequence: 8, type: 'position.closed', occurredAt: '2026-11-26T10:00:01.000Z', gap: false, signal: { type: 'position.closed', sequence: 8 } })]);
        await db.query(`INSERT INTO signals (id, account_id, sequence, type, occurred_at, received_at, body, run_id, gap)
                        VALUES ('sig_7', 'acc_m', 7, 'position.opened', '2026-11-26T10:00:00.000Z', '2026-11-26T10:00:00.010Z', $1, 'run_7', true),
                               ('sig_8', 'acc_m', 8, 'position.closed', '2026-11-26T10:00:01.000Z', '2026-11-26T10:00:01.010Z', '{"type":"position.closed","sequence":8}', 'run_8', false)`,
          [JSON.stringify(body)]);
        const applied = await migrate(db);
        assert.ok(applied.includes('040_signals_kept_in_audit_runs.sql'), applied.join(', '));
        const { rows } = await db.query<{ id: string; account_id: string; sequence: string; type: string; occurred_at: Date; received_at: Date; body: unknown; run_id: string; gap: boolean }>(
          'SELECT * FROM signals ORDER BY sequence');
        assert.deepEqual(rows.map((r) => ({ ...r, sequence: Number(r.sequence), occurred_at: new Date(r.occurred_at).toISOString(), received_at: new Date(r.received_at).toISOString() })), [
          { id: 'sig_7', account_id: 'acc_m', sequence: 7, type: 'position.opened', occurred_at: '2026-11-26T10:00:00.000Z', received_at: '2026-11-26T10:00:00.010Z', body, run_id: 'run_7', gap: true },
          { id: 'sig_8', account_id: 'acc_m', sequence: 8, type: 'position.closed', occurred_at: '2026-11-26T10:00:01.000Z', received_at: '2026-11-26T10:00:01.010Z', body: { type: 'position.closed', sequence: 8 }, run_id: 'run_8', gap: false },
        ]);
        // A run that already held the whole signal is left as it was.
        const { rows: [run8] } = await db.query<{ trigger: Record<string, unknown> }>(`SELECT trigger FROM audit_runs WHERE id = 'run_8'`);
        assert.equal(run8!.trigger.occurredAt, '2026-11-26T10:00:01.000Z');
        await assert.rejects(db.query(`INSERT INTO signals (id) VALUES ('x')`), /view|cannot insert/i, 'signals is no table any more');
      } finally {
        await drop();
      }
    });
    test('070 keeps the runs as json: every run read back as it was, the signals view reads them', async () => {
      const { db, drop } = await backend.open({ empty: true });
      try {
        await migrate(db, { before: 70 });
        await db.query(`INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login) VALUES ('acc_m', 'M', 'master', 'mt5', 'B', 'S', '1')`);
        const trigger = { signalId: 'sig_9', sequence: 9, type: 'position.opened', occurredAt: '2026-11-27T10:00:00.000Z', gap: false, signal: { type: 'position.opened', sequence: 9, position: { id: 'p9', volume: 0.37 } } };
        const decisions = [{ subscriptionId: 'sub_1', followerAccountId: 'acc_f', outcome: 'skipped', reason: 'below_min_volume', volume: 0, inputs: { masterVolume: 0.37, unicode: 'é ✓' } }];
        await db.query(`INSERT INTO audit_runs (id, kind, status, account_id, started_at, trigger, steps, decisions, result, latency, progress)
                        VALUES ('run_9', 'signal', 'succeeded', 'acc_m', '2026-11-27T10:00:00.010Z', $1, '[{"stage":"received"}]', $2, '{"orders":0}', '{"ingest":3}', null),
                               ('run_t', 'task', 'running', null, '2026-11-27T10:00:01.000Z', '{"taskId":"resync-follower"}', DEFAULT, DEFAULT, null, DEFAULT, '{"done":0,"total":2}')`,
          [JSON.stringify(trigger), JSON.stringify(decisions)]);
        const applied = await migrate(db);
        assert.ok(applied.includes('070_audit_runs_stored_as_json.sql'), applied.join(', '));
        const { rows: types } = await db.query<{ column_name: string; data_type: string }>(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'audit_runs' AND data_type IN ('json', 'jsonb') ORDER BY 1`);
        assert.deepEqual(types.map((t) => `${t.column_name} ${t.data_type}`), ['decisions json', 'latency json', 'progress json', 'result json', 'steps json', 'trigger json']);
        const { rows: runs } = await db.query<Record<string, unknown>>(`SELECT id, trigger, steps, decisions, result, latency, progress FROM audit_runs ORDER BY id`);
        assert.deepEqual(runs, [
          { id: 'run_9', trigger, steps: [{ stage: 'received' }], decisions, result: { orders: 0 }, latency: { ingest: 3 }, progress: null },
          { id: 'run_t', trigger: { taskId: 'resync-follower' }, steps: [], decisions: [], result: null, latency: {}, progress: { done: 0, total: 2 } },
        ]);
        const { rows: signals } = await db.query<{ id: string; sequence: string; gap: boolean; body: unknown }>('SELECT id, sequence, gap, body FROM signals');
        assert.deepEqual(signals.map((r) => ({ ...r, sequence: Number(r.sequence) })), [{ id: 'sig_9', sequence: 9, gap: false, body: trigger.signal }]);
        // A new run's defaults are json too.
        await db.query(`INSERT INTO audit_runs (id, kind, status, started_at, trigger) VALUES ('run_n', 'reconcile', 'running', now(), '{}')`);
        const { rows: [fresh] } = await db.query<{ steps: unknown; decisions: unknown; latency: unknown }>(`SELECT steps, decisions, latency FROM audit_runs WHERE id = 'run_n'`);
        assert.deepEqual(fresh, { steps: [], decisions: [], latency: {} });
      } finally {
        await drop();
      }
    });
  });
}
