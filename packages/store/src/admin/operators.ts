import { KopitraError } from '@kopitra/protocol';
import type { Queryable } from '../db';
import { newId } from '../ids';
import { appendAuditLog } from './audit-log';
import { isoRequired, isUniqueViolation } from './iso';
import { decodeCursor, toPage, type Page, type PageRequest } from './page';

export type OperatorRole = 'viewer' | 'operator' | 'admin';

/** An operator as the API shows it: never the password hash. */
export interface Operator {
  id: string;
  email: string;
  role: OperatorRole;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Only sign-in needs the hash. */
export interface OperatorWithHash extends Operator {
  passwordHash: string;
}

interface OperatorRow {
  id: string; email: string; password_hash: string; role: OperatorRole; disabled: boolean;
  created_at: Date; updated_at: Date;
}

function toOperator(r: OperatorRow): Operator {
  return { id: r.id, email: r.email, role: r.role, disabled: r.disabled, createdAt: isoRequired(r.created_at), updatedAt: isoRequired(r.updated_at) };
}

export async function countOperators(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM operators');
  return rows[0]!.n;
}

export async function getOperator(q: Queryable, id: string): Promise<Operator | null> {
  const { rows } = await q.query<OperatorRow>('SELECT * FROM operators WHERE id = $1', [id]);
  return rows[0] ? toOperator(rows[0]) : null;
}

export async function findOperatorByEmail(q: Queryable, email: string): Promise<OperatorWithHash | null> {
  const { rows } = await q.query<OperatorRow>('SELECT * FROM operators WHERE lower(email) = lower($1)', [email]);
  return rows[0] ? { ...toOperator(rows[0]), passwordHash: rows[0].password_hash } : null;
}

export async function listOperators(q: Queryable, page: PageRequest): Promise<Page<Operator>> {
  const after = decodeCursor(page.cursor);
  const { rows } = await q.query<OperatorRow>(
    'SELECT * FROM operators WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2',
    [after, page.limit + 1],
  );
  return toPage(rows, page.limit, toOperator);
}

export interface NewOperator {
  email: string;
  passwordHash: string;
  role: OperatorRole;
}

/** Creates an operator and its audit row; a taken email (any case) is a 409 `conflict`. */
export async function createOperator(q: Queryable, actor: string, input: NewOperator): Promise<Operator> {
  const id = newId('op');
  let row: OperatorRow;
  try {
    const r = await q.query<OperatorRow>(
      `INSERT INTO operators (id, email, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING *`,
      [id, input.email, input.passwordHash, input.role],
    );
    row = r.rows[0]!;
  } catch (e) {
    if (isUniqueViolation(e)) throw new KopitraError('conflict', `email: an operator with email ${input.email} already exists`);
    throw e;
  }
  const operator = toOperator(row);
  await appendAuditLog(q, { actor, action: 'operator.create', target: id, before: null, after: operator });
  return operator;
}

export interface OperatorPatch {
  role?: OperatorRole | undefined;
  disabled?: boolean | undefined;
}

/**
 * Changes role / disabled. Refuses (409) a change that would leave no enabled admin, so the
 * platform can never lock itself out.
 */
export async function updateOperator(q: Queryable, actor: string, id: string, patch: OperatorPatch): Promise<Operator> {
  const { rows } = await q.query<OperatorRow>('SELECT * FROM operators WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]) throw new KopitraError('not_found', `operator ${id} not found`);
  const before = toOperator(rows[0]);
  const role = patch.role ?? before.role;
  const disabled = patch.disabled ?? before.disabled;
  if (role === before.role && disabled === before.disabled) return before;
  if (before.role === 'admin' && !before.disabled && (role !== 'admin' || disabled)) {
    // Lock every admin row so two concurrent demotions cannot both pass this check.
    const admins = await q.query<{ id: string }>(
      `SELECT id FROM operators WHERE role = 'admin' AND NOT disabled AND id <> $1 FOR UPDATE`, [id]);
    if (admins.rows.length === 0) throw new KopitraError('conflict', 'the last enabled admin cannot be demoted or disabled');
  }
  const updated = await q.query<OperatorRow>(
    'UPDATE operators SET role = $2, disabled = $3, updated_at = now() WHERE id = $1 RETURNING *', [id, role, disabled]);
  const after = toOperator(updated.rows[0]!);
  await appendAuditLog(q, { actor, action: 'operator.update', target: id, before, after });
  return after;
}
