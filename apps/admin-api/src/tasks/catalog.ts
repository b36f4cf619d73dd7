import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TObject } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { closeFollowerPositionsTask } from './close-follower-positions';
import { exportAuditBundleTask } from './export-audit-bundle';
import { resyncFollowerTask } from './resync-follower';
import { rotateEaCredentialTask } from './rotate-ea-credential';
import { pauseSubscriptionTask, resumeSubscriptionTask } from './subscription-status';
import type { TaskDefinition } from './task-definition';
import { verifyAuditChainTask } from './verify-audit-chain';

/** Every task an operator can run, in the order the console lists them. */
export const TASKS: readonly TaskDefinition[] = [
  resyncFollowerTask,
  closeFollowerPositionsTask,
  pauseSubscriptionTask,
  resumeSubscriptionTask,
  rotateEaCredentialTask,
  exportAuditBundleTask,
  verifyAuditChainTask,
];

const byId = new Map(TASKS.map((t) => [t.id, t]));
const checks = new Map<string, TypeCheck<TObject>>(TASKS.map((t) => [t.id, TypeCompiler.Compile(t.params)]));

export function findTask(id: string): TaskDefinition | undefined {
  return byId.get(id);
}

/** The catalog entry as the API shows it: the params as plain JSON Schema. */
export function describeTask(t: TaskDefinition) {
  return {
    id: t.id, title: t.title, description: t.description, params: JSON.parse(JSON.stringify(t.params)) as unknown,
    supportsDryRun: t.supportsDryRun, dangerous: t.dangerous, access: t.access,
  };
}

/** Defaults filled, unknown fields refused; a failure is 400 `invalid_payload` naming `params.<field>`. */
export function validateTaskParams(t: TaskDefinition, raw: unknown): Record<string, unknown> {
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== 'object' || Array.isArray(input)) throw new KopitraError('invalid_payload', 'params: expected an object', { extra: { field: 'params' } });
  const value = Value.Default(t.params, Value.Clone(input));
  const check = checks.get(t.id)!;
  if (check.Check(value)) return value as Record<string, unknown>;
  const first = check.Errors(value).First();
  const path = first?.path ? first.path.split('/').filter(Boolean).join('.') : '';
  const field = `params${path ? `.${path}` : ''}`;
  throw new KopitraError('invalid_payload', `${field}: ${first ? first.message.replace(/^Expected/, 'expected') : 'invalid'}`, { extra: { field } });
}
