import type { Queryable } from '@kopitra/store';

/**
 * What a throughput phase made PostgreSQL write, per signal: the WAL the server wrote (everything a
 * commit waits for, full-page images after a checkpoint included; the whole server's, so the bench
 * is its only writer meanwhile) and how much the database's tables grew, their indexes and TOAST
 * included (what the kernel writes back later). Unlike CPU time these do not move with a noisy
 * machine: a change that stores less shows here in one run (session 18: the audit runs as `json`,
 * WAL 4.82 → 4.43 kB per signal, tables −0.4 kB).
 */
export interface StorageSnapshot {
  /** The server's WAL insert position in bytes (pg_current_wal_lsn). */
  walBytes: bigint;
  /** Every table of the public schema with its indexes and TOAST, in bytes. */
  tableBytes: bigint;
}

export interface StoragePerUnit {
  walBytes: number;
  tableBytes: number;
}

/** A `pg_lsn` text (`16/B374D848`: the high and low 32 bits in hex) as a byte position. */
export function lsnBytes(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not a WAL position: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

export async function storageSnapshot(db: Queryable): Promise<StorageSnapshot> {
  const { rows } = await db.query<{ lsn: string; bytes: string }>(
    `SELECT pg_current_wal_lsn()::text AS lsn,
            (SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
              WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace)::text AS bytes`);
  return { walBytes: lsnBytes(rows[0]!.lsn), tableBytes: BigInt(rows[0]!.bytes) };
}

/** Bytes per unit between two snapshots; null without units. */
export function storagePerUnit(from: StorageSnapshot, to: StorageSnapshot, units: number): StoragePerUnit | null {
  if (units <= 0) return null;
  return { walBytes: Number(to.walBytes - from.walBytes) / units, tableBytes: Number(to.tableBytes - from.tableBytes) / units };
}
