/**
 * Every type the console exchanges with the management API. Types only: the schemas live on
 * the server side and nothing of them is bundled (`import type` is erased by the build).
 *
 * Accounts, subscriptions and operators come from the TypeBox schemas the routes declare. The
 * newer endpoints (tasks, runs, metrics, artifacts, flags, preview, auth config) follow the
 * shared contract of issue 5 field by field, until their schemas are exported too.
 */
import type { Static } from '@sinclair/typebox';
import type {
  AccountViewSchema, OperatorSchema, SubscriptionSchema, SubscriptionSettingsInputSchema, SubscriptionSettingsPatchSchema, Sizing,
} from '@kopitra/admin-api';
import type { Decision, DecisionInputs, ReasonCode } from '@kopitra/engine';
import type { ErrorCode } from '@kopitra/protocol';
import type { KopitraEvent } from '@kopitra/store';

export type Account = Static<typeof AccountViewSchema>;
export type Subscription = Static<typeof SubscriptionSchema>;
export type SubscriptionInput = Static<typeof SubscriptionSettingsInputSchema> & { masterAccountId: string; followerAccountId: string };
export type SubscriptionPatch = Static<typeof SubscriptionSettingsPatchSchema>;
export type SizingSettings = Static<typeof Sizing>;
export type Operator = Static<typeof OperatorSchema>;
export type Role = Operator['role'];
export type { Decision, DecisionInputs, ReasonCode, ErrorCode };

export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Me { id: string; email: string; role: Role }
export interface LoginResponse { token: string; expiresAt: string; operator: Me }
export interface ApiErrorBody { error: { code: ErrorCode; message: string; field?: string } }

export interface AccountCreate {
  name: string; role: Account['role']; platform: Account['platform']; broker: { name: string; server: string }; login: string;
  symbolPrefix?: string; symbolSuffix?: string;
}
export type AccountPatch = Partial<Pick<Account, 'name' | 'broker' | 'login' | 'status' | 'symbolPrefix' | 'symbolSuffix'>>;
export interface IssuedCredential { keyId: string; secret: string }

export interface AuthConfig {
  local: boolean;
  oidc: null | { issuer: string; clientId: string; authorizeUrl: string; scopes: string[] };
}

/** A JSON Schema as the task catalog publishes it (the subset the form generator renders). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  format?: string;
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number;
  minLength?: number; maxLength?: number; pattern?: string;
  examples?: unknown[];
}

export interface TaskDefinition {
  id: string; title: string; description: string; params: JsonSchema; supportsDryRun: boolean; dangerous: boolean;
}

export type RunKind = 'signal' | 'task' | 'reconcile' | 'stop_out';
export type RunStatus = 'running' | 'succeeded' | 'partially_succeeded' | 'failed';
export interface RunProgress { done: number; total: number; message: string }

export interface RunSummary {
  runId: string; kind: RunKind; status: RunStatus; startedAt: string; finishedAt: string | null;
  accountId: string | null; summary: string; taskId?: string;
}

export interface RunStep { at: string; stage: string; outcome: string; detail: unknown }
export interface RunDecision {
  subscriptionId: string; followerAccountId: string; outcome: 'copied' | 'skipped'; reason: string | null; volume: number | null;
  notes?: string[]; inputs?: Partial<DecisionInputs> & Record<string, unknown>; orders?: unknown[]; orderIds?: string[];
}
export interface RunOrder {
  orderId: string; followerAccountId: string; subscriptionId?: string; action: string; symbol?: string | null; side?: string | null;
  volume: number | null; status: string; createdAt?: string; deliveredAt: string | null; finishedAt?: string | null;
}
export interface RunExecution {
  orderId: string; status: string; price: number | null; volume: number | null; executedAt: string | null;
  receivedAt?: string; brokerCode?: string | number | null; slippage?: number | null;
}
export interface RunLatency { ingest: number | null; plan: number | null; firstDelivery: number | null; lastExecution: number | null }

export interface ResyncPlanItem {
  action: string; symbol: string; side: string; volume: number | null; masterPositionId: string | null; followerPositionId: string | null; reason: string;
}

export interface RunDetail extends RunSummary {
  trigger: Record<string, unknown> & { taskId?: string; params?: Record<string, unknown>; requestedBy?: string; type?: string };
  steps: RunStep[];
  decisions: RunDecision[];
  orders: RunOrder[];
  executions: RunExecution[];
  latencyMs: Partial<RunLatency>;
  result: (Record<string, unknown> & { applied?: boolean; plan?: ResyncPlanItem[]; artifactId?: string }) | null;
  progress?: RunProgress | null;
}

export interface RunFilter { kind?: RunKind | ''; accountId?: string; status?: RunStatus | ''; from?: string; to?: string }

export interface Percentiles { p50: number | null; p99: number | null }
export interface MetricsOverview {
  window: { from: string; to: string };
  signalsPerMinute: Array<{ at: string; count: number }>;
  latencyMs: { ingest: Percentiles; plan: Percentiles; delivery: Percentiles; execution: Percentiles };
  eas: { online: number; offline: number; items: Array<{ accountId: string; name: string; role: Account['role']; online: boolean; lastHeartbeatAt: string | null }> };
  followers: { inSync: number; drifting: number; stoppedOut: number };
  skips: Array<{ reason: string; count: number; lastRunId: string | null }>;
  errors: Array<{ reason: string; count: number; lastRunId: string | null }>;
}

export type ArtifactKind = 'ea_log' | 'audit_bundle' | 'report';
export interface Artifact {
  id: string; kind: ArtifactKind; name: string; size: number; createdAt: string; accountId: string | null; contentType?: string;
}

export interface Flag { name: string; enabled: boolean; description: string; updatedAt: string | null; updatedBy: string | null }

export interface PreviewTrade { symbol: string; side: 'buy' | 'sell'; volume: number; price: number; sl?: number | null; tp?: number | null }
export interface PreviewResponse { decision: Decision; explanation: string }

/** The event stream (`GET /events`): the gateway's kopitra_events payloads and the worker's task progress. */
export type LiveEvent = KopitraEvent | { kind: 'task'; runId: string; taskId: string; status: RunStatus; progress: RunProgress | null };
