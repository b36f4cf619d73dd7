import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from '../http/schemas';

export const RunKind = Type.Union([Type.Literal('signal'), Type.Literal('task'), Type.Literal('reconcile'), Type.Literal('stop_out')]);
export const RunStatus = Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('partially_succeeded'), Type.Literal('failed')]);
const AnyJson = Type.Unknown();

export const AuditRunSummary = Type.Object({
  runId: Type.String(), kind: RunKind, status: RunStatus, startedAt: Timestamp, finishedAt: Nullable(Timestamp),
  accountId: Nullable(Type.String()), summary: Type.String(), taskId: Type.Optional(Type.String()),
});

export const RunOrder = Type.Object({
  orderId: Type.String(), followerAccountId: Type.String(), subscriptionId: Type.String(), action: Type.String(),
  symbol: Nullable(Type.String()), side: Nullable(Type.String()), volume: Nullable(Type.Number()), status: Type.String(),
  createdAt: Timestamp, deliveredAt: Nullable(Timestamp), finishedAt: Nullable(Timestamp),
});

export const RunExecution = Type.Object({
  orderId: Type.String(), status: Type.String(), price: Nullable(Type.Number()), volume: Nullable(Type.Number()),
  executedAt: Nullable(Timestamp), receivedAt: Timestamp, brokerCode: Nullable(Type.String()),
  slippage: Nullable(Type.Number({ description: "price units from the master's price; positive = worse for the follower" })),
});

export const AuditRunDetail = Type.Object({
  runId: Type.String(), kind: RunKind, status: RunStatus, startedAt: Timestamp, finishedAt: Nullable(Timestamp),
  accountId: Nullable(Type.String()), summary: Type.String(), taskId: Type.Optional(Type.String()),
  trigger: AnyJson,
  steps: Type.Array(Type.Object({ at: Timestamp, stage: Type.String(), outcome: Type.String(), detail: AnyJson })),
  decisions: Type.Array(Type.Object({
    subscriptionId: Type.String(), followerAccountId: Type.String(), outcome: Type.String(), reason: Nullable(Type.String()),
    volume: Nullable(Type.Number()), notes: Type.Array(Type.String()), inputs: AnyJson, orders: Type.Array(AnyJson), orderIds: Type.Array(Type.String()),
  })),
  orders: Type.Array(RunOrder),
  executions: Type.Array(RunExecution),
  latencyMs: Type.Object({ ingest: Nullable(Type.Number()), plan: Nullable(Type.Number()), firstDelivery: Nullable(Type.Number()), lastExecution: Nullable(Type.Number()) }),
  result: AnyJson,
  progress: AnyJson,
});
