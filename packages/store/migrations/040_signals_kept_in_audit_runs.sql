-- A master signal is written once: its audit run (kind 'signal') keeps it whole in `trigger` —
-- the signal, its id, sequence, type, occurrence time and gap — and the run's start is when it was
-- received. The `signals` table repeated all of that in a second row, with two indexes and a
-- foreign key that locked the master's `accounts` row on every signal (docs/performance.md,
-- session 10). `signals` is now a view over the runs, with the same columns for its readers.
-- (account, sequence) stays unique: the run id derives from it and is the runs' primary key.

-- Runs written before their trigger held the whole signal get it from the row that is going.
UPDATE audit_runs r
   SET trigger = r.trigger || jsonb_build_object(
         'signalId', s.id, 'sequence', s.sequence, 'type', s.type, 'occurredAt', s.occurred_at,
         'gap', s.gap, 'signal', s.body)
  FROM signals s
 WHERE s.run_id = r.id
   AND NOT (r.trigger ? 'signalId' AND r.trigger ? 'sequence' AND r.trigger ? 'type'
            AND r.trigger ? 'occurredAt' AND r.trigger ? 'gap' AND r.trigger ? 'signal');

DROP TABLE signals;

CREATE VIEW signals AS
SELECT trigger ->> 'signalId' AS id,
       account_id,
       (trigger ->> 'sequence')::bigint AS sequence,
       trigger ->> 'type' AS type,
       (trigger ->> 'occurredAt')::timestamptz AS occurred_at,
       started_at AS received_at,
       trigger -> 'signal' AS body,
       id AS run_id,
       (trigger ->> 'gap')::boolean AS gap
  FROM audit_runs
 WHERE kind = 'signal';
