import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The EA ↔ gateway contract v1 as schemas (ea-protocol-v1.md). The gateway validates with them,
 * the reference EA and the console type from them, OpenAPI is generated from them.
 */

const MAX_PRICE = 1e12;
const MAX_VOLUME = 1e6;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Rfc3339 = Type.String({ format: 'date-time', maxLength: 40 });
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
export const SymbolName = Type.String({ minLength: 1, maxLength: 32 });
export const Price = Type.Number({ minimum: 0, maximum: MAX_PRICE });
export const Volume = Type.Number({ exclusiveMinimum: 0, maximum: MAX_VOLUME });
export const VolumeOrZero = Type.Number({ minimum: 0, maximum: MAX_VOLUME });
export const Side = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);
export const PendingKind = Type.Union([
  Type.Literal('buy_limit'),
  Type.Literal('sell_limit'),
  Type.Literal('buy_stop'),
  Type.Literal('sell_stop'),
]);
const Sequence = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Magic = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Comment = Type.String({ maxLength: 64 });

const base = { sequence: Sequence, occurredAt: Rfc3339 };
const closed = { additionalProperties: true } as const;

export const PositionOpenedSignal = Type.Object({
  ...base,
  type: Type.Literal('position.opened'),
  position: Type.Object({
    id: Id, symbol: SymbolName, side: Side, volume: Volume, price: Price,
    sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)),
    magic: Type.Optional(Magic), comment: Type.Optional(Comment),
  }, closed),
}, closed);

export const PositionModifiedSignal = Type.Object({
  ...base,
  type: Type.Literal('position.modified'),
  position: Type.Object({ id: Id, sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)) }, closed),
}, closed);

export const PositionIncreasedSignal = Type.Object({
  ...base,
  type: Type.Literal('position.increased'),
  position: Type.Object({
    id: Id, volume: Volume, price: Price, volumeAfter: Volume,
    symbol: Type.Optional(SymbolName), side: Type.Optional(Side),
  }, closed),
}, closed);

export const PositionClosedSignal = Type.Object({
  ...base,
  type: Type.Literal('position.closed'),
  position: Type.Object({ id: Id, volume: Volume, price: Price, volumeAfter: VolumeOrZero }, closed),
}, closed);

export const OrderPlacedSignal = Type.Object({
  ...base,
  type: Type.Literal('order.placed'),
  order: Type.Object({
    id: Id, symbol: SymbolName, kind: PendingKind, volume: Volume, price: Price,
    sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)), expiresAt: Type.Optional(Nullable(Rfc3339)),
  }, closed),
}, closed);

export const OrderModifiedSignal = Type.Object({
  ...base,
  type: Type.Literal('order.modified'),
  order: Type.Object({
    id: Id, price: Type.Optional(Price), sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)),
    expiresAt: Type.Optional(Nullable(Rfc3339)),
  }, closed),
}, closed);

export const OrderCancelledSignal = Type.Object({
  ...base,
  type: Type.Literal('order.cancelled'),
  order: Type.Object({ id: Id }, closed),
}, closed);

export const SIGNAL_TYPES = [
  'position.opened', 'position.modified', 'position.increased', 'position.closed',
  'order.placed', 'order.modified', 'order.cancelled',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const SignalBody = Type.Union([
  PositionOpenedSignal, PositionModifiedSignal, PositionIncreasedSignal, PositionClosedSignal,
  OrderPlacedSignal, OrderModifiedSignal, OrderCancelledSignal,
]);
export type SignalBody = Static<typeof SignalBody>;

export const SignalAccepted = Type.Object({
  signalId: Type.String(), runId: Type.String(), sequence: Type.Integer(), orders: Type.Integer(), gap: Type.Boolean(),
});
export type SignalAccepted = Static<typeof SignalAccepted>;

export const SnapshotPosition = Type.Object({
  id: Id, symbol: SymbolName, side: Side, volume: Volume, price: Price,
  sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)), comment: Type.Optional(Comment),
  magic: Type.Optional(Magic), openedAt: Type.Optional(Rfc3339),
}, closed);
export type SnapshotPosition = Static<typeof SnapshotPosition>;

export const SnapshotOrder = Type.Object({
  id: Id, symbol: SymbolName, kind: PendingKind, volume: Volume, price: Price,
  sl: Type.Optional(Nullable(Price)), tp: Type.Optional(Nullable(Price)), comment: Type.Optional(Comment),
}, closed);

export const SymbolSpecSchema = Type.Object({
  name: SymbolName, volumeMin: Volume, volumeMax: Volume, volumeStep: Volume,
  contractSize: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12 })),
  tickSize: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6 })),
  tickValue: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9 })),
  digits: Type.Optional(Type.Integer({ minimum: 0, maximum: 12 })),
}, closed);

export const HeartbeatTelemetry = Type.Object({
  kind: Type.Literal('heartbeat'),
  sentAt: Rfc3339,
  terminal: Type.Optional(Type.Object({
    platform: Type.Optional(Type.Union([Type.Literal('mt4'), Type.Literal('mt5'), Type.Literal('sim')])),
    build: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9 })),
    connected: Type.Optional(Type.Boolean()),
    pingMs: Type.Optional(Type.Number({ minimum: 0, maximum: 1e7 })),
  }, closed)),
}, closed);

export const SnapshotTelemetry = Type.Object({
  kind: Type.Literal('snapshot'),
  sentAt: Rfc3339,
  account: Type.Object({
    balance: Type.Number({ minimum: -1e12, maximum: 1e12 }),
    equity: Type.Number({ minimum: -1e12, maximum: 1e12 }),
    currency: Type.Optional(Type.String({ maxLength: 8 })),
    leverage: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6 })),
  }, closed),
  positions: Type.Array(SnapshotPosition, { maxItems: 500 }),
  orders: Type.Optional(Type.Array(SnapshotOrder, { maxItems: 500 })),
  symbols: Type.Optional(Type.Array(SymbolSpecSchema, { maxItems: 1000 })),
}, closed);

export const TelemetryBody = Type.Union([HeartbeatTelemetry, SnapshotTelemetry]);
export type TelemetryBody = Static<typeof TelemetryBody>;
export type SnapshotTelemetry = Static<typeof SnapshotTelemetry>;

export const ORDER_ACTIONS = ['open', 'close', 'modify', 'place', 'amend', 'cancel'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

export const FollowerOrder = Type.Object({
  orderId: Type.String(), runId: Type.String(), subscriptionId: Type.String(),
  createdAt: Type.String(), expiresAt: Type.String(),
  action: Type.Union(ORDER_ACTIONS.map((a) => Type.Literal(a))),
  symbol: Type.String(), side: Nullable(Side), kind: Type.Optional(Nullable(PendingKind)),
  volume: Nullable(Type.Number()), price: Nullable(Type.Number()), maxDeviation: Nullable(Type.Number()),
  sl: Nullable(Type.Number()), tp: Nullable(Type.Number()),
  orderExpiresAt: Type.Optional(Nullable(Type.String())),
  masterPositionId: Nullable(Type.String()), masterOrderId: Type.Optional(Nullable(Type.String())),
  followerPositionId: Nullable(Type.String()), tag: Type.String({ maxLength: 31 }),
  /** Extension: the tag of the order that opened this copy (close/modify) or placed it (amend/cancel). */
  openTag: Type.Optional(Nullable(Type.String({ maxLength: 31 }))),
  /** Extension: which fields a modify/amend changes (a field not listed keeps the follower's value). */
  updates: Type.Optional(Nullable(Type.Object({ sl: Type.Boolean(), tp: Type.Boolean(), price: Type.Boolean(), expiresAt: Type.Boolean() }))),
});
export type FollowerOrder = Static<typeof FollowerOrder>;

export const OrdersQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, maximum: 30 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

export const OrdersResponse = Type.Object({ orders: Type.Array(FollowerOrder) });

export const EXECUTION_STATUSES = ['filled', 'partially_filled', 'rejected', 'expired', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const ExecutionBody = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64 }),
  status: Type.Union(EXECUTION_STATUSES.map((s) => Type.Literal(s))),
  executedAt: Rfc3339,
  volume: Type.Optional(Nullable(VolumeOrZero)),
  price: Type.Optional(Nullable(Price)),
  followerPositionId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  brokerCode: Type.Optional(Type.String({ maxLength: 32 })),
  message: Type.Optional(Type.String({ maxLength: 512 })),
}, closed);
export type ExecutionBody = Static<typeof ExecutionBody>;

export const Accepted = Type.Object({ accepted: Type.Literal(true) });
export const ExecutionAccepted = Type.Object({ accepted: Type.Literal(true), orderId: Type.String() });

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  checks: Type.Record(Type.String(), Type.Object({ status: Type.String(), latencyMs: Type.Optional(Type.Number()) }, closed)),
  version: Type.String(),
});

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, closed),
});

/** Header names of the contract, lower case as Node presents them. */
export const HEADERS = {
  keyId: 'x-kopitra-key-id',
  timestamp: 'x-kopitra-timestamp',
  signature: 'x-kopitra-signature',
  idempotencyKey: 'idempotency-key',
} as const;

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TIMESTAMP_WINDOW_MS = 300_000;
export const MAX_BODY_BYTES = 64 * 1024;
export const EA_BASE_PATH = '/trade-agent/v1';
