import { randomBytes } from 'node:crypto';

/** Random, sortable-enough ids with a type prefix: `acc_…`, `sub_…`, `run_…`. */
export function newId(prefix: string): string {
  const t = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${t}${randomBytes(8).toString('hex')}`;
}
