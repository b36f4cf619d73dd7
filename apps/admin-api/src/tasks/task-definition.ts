import type { Static, TObject } from '@sinclair/typebox';
import type { BlobStore } from '@kopitra/storage';
import type { Db, Queryable, SecretBox } from '@kopitra/store';

/** What a task's code works with while it runs (one attempt of one run). */
export interface TaskRunContext {
  runId: string;
  taskId: string;
  /** The operator who asked for the run: the actor of every change it makes. */
  requestedBy: string;
  db: Db;
  secretBox: SecretBox;
  blobs: BlobStore | undefined;
  now(): number;
  progress(done: number, total: number | null, message: string): Promise<void>;
  step(stage: string, detail?: unknown): Promise<void>;
  /**
   * Runs `fn` once per run and effect name, however often the message is delivered: the effect
   * and its record commit in one transaction; a later attempt gets the recorded result back.
   */
  effect<T>(name: string, fn: (q: Queryable) => Promise<T>): Promise<T>;
}

export interface TaskOutcome {
  status?: 'succeeded' | 'partially_succeeded' | 'failed';
  result: unknown;
  summary: string;
  decisions?: unknown[];
}

/** A failure that retrying will not fix (a subscription that is gone): the run fails at once. */
export class TaskFailure extends Error {
  constructor(message: string, readonly detail?: unknown) {
    super(message);
    this.name = 'TaskFailure';
  }
}

export interface TaskDefinition<P extends TObject = TObject> {
  id: string;
  title: string;
  description: string;
  params: P;
  supportsDryRun: boolean;
  dangerous: boolean;
  /** The least role that may run it (routes require at least operator). */
  access: 'operator' | 'admin';
  /** When the run is requested: refuses what cannot work (404 / 400) and names the account it is about. */
  prepare?(q: Queryable, params: Static<P>): Promise<{ accountId: string | null }>;
  run(ctx: TaskRunContext, params: Static<P>): Promise<TaskOutcome>;
}

/** Keeps each definition's params type while the catalog holds them side by side. */
export function defineTask<P extends TObject>(def: TaskDefinition<P>): TaskDefinition {
  return def as unknown as TaskDefinition;
}
