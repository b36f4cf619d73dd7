// @kopitra/engine — the pure copy engine: master event + subscription + follower state in,
// follower orders or a reasoned skip out. No I/O, no clock, no randomness.
export type {
  AccountState,
  CopyLeg,
  Decision,
  DecisionInputs,
  FollowerContext,
  MasterEvent,
  OrderAction,
  OrderCancelledEvent,
  OrderModifiedEvent,
  OrderPlacedEvent,
  OrderUpdates,
  PendingCopy,
  PendingKind,
  PlannedOrder,
  PositionClosedEvent,
  PositionIncreasedEvent,
  PositionModifiedEvent,
  PositionOpenedEvent,
  Side,
  SizingMode,
  SizingSettings,
  SnapshotPosition,
  SubscriptionSettings,
  SymbolSpec,
} from './types.js';
export { NOTE_CODES, REASON_CODES } from './reasons.js';
export type { NoteCode, ReasonCode } from './reasons.js';

export { planSignal } from './plan-signal.js';
export type { PlanSignalInput } from './plan-signal.js';
export { planStopOut } from './stop-out.js';
export { reconcile } from './reconcile.js';
export type {
  ReconcileInput,
  ReconcileItem,
  ReconcilePlan,
  ReconcileReason,
  ReconcileReport,
  ReconcileReportKind,
} from './reconcile.js';

export {
  STEP_TOLERANCE,
  isWholeSteps,
  roundVolume,
  stepGrid,
  stepsToVolume,
  sumVolumes,
  volumeToSteps,
} from './lots.js';
export type { RoundMode, StepGrid } from './lots.js';
export { fitVolume } from './fit-volume.js';
export type { FitVolumeInput, FitVolumeResult } from './fit-volume.js';
export { sizeVolume } from './size-volume.js';
export type { SizeVolumeInput, SizeVolumeResult } from './size-volume.js';
export { canonicalSymbol, resolveSymbol } from './map-symbol.js';
export type { ResolveSymbolInput, SymbolResolution, SymbolVia } from './map-symbol.js';
export { ASSUMED_VOLUME_MAX, ASSUMED_VOLUME_MIN, ASSUMED_VOLUME_STEP, specFor } from './symbol-spec.js';
export { followerKind, followerSide, kindSide, matchesPattern } from './filters.js';
export { DEFAULT_MAX_SIGNAL_AGE_MS } from './risk-guards.js';
export * from './default-settings.js';
