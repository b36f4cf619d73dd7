// Stable codes for the audit trail and the console: a skipped copy always names one reason,
// and notes qualify a decision (copied or skipped) without changing its outcome.

export const REASON_CODES = [
  /** Master signal is malformed (non-positive or non-finite volume, price, …). */
  'invalid_signal',
  'subscription_paused',
  'stale_signal',
  'symbol_filtered',
  'direction_filtered',
  'symbol_not_mapped',
  'max_positions',
  /** Opens while follower equity is below `stopOutEquity`; also the reason of a triggered stop-out. */
  'stop_out',
  'daily_loss_limit',
  /** A ratio mode (or risk_percent) without the balance/equity it needs. */
  'account_state_unknown',
  'no_stop_loss',
  /** risk_percent without the follower symbol's tickSize/tickValue. */
  'tick_value_unknown',
  'below_min_volume',
  'pending_not_copied',
  /** Close/modify/amend/cancel for a master position or order the follower holds no copy of. */
  'no_copy',
  /** A modification that only touches fields the subscription does not copy. */
  'sl_tp_not_copied',
  /** A modification that changes nothing. */
  'nothing_to_change',
  /** A partial close whose proportional share rounds to zero steps (or below the symbol's minimum). */
  'close_rounded_to_zero',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export const NOTE_CODES = [
  'clamped',
  'symbol_specs_assumed',
  /** The follower reported a spec with unusable numbers; the assumed spec was used instead. */
  'symbol_specs_invalid',
  /** An explicit symbolMap target that is not in the follower's reported symbol list. */
  'mapped_symbol_not_reported',
  'rounded_up_to_min',
  /** round_up could not apply because the cap (maxLot / volumeMax) is below volumeMin. */
  'cap_below_min',
  'zero_volume',
  'partial_close_rounded_to_zero',
  'partial_close_below_min',
  'full_close',
  'sl_not_copied',
  'tp_not_copied',
  /** A position.opened for a master position the follower already holds legs of. */
  'existing_copy_legs',
  /** A master pending order filled and the follower holds a pending copy of it: no new open. */
  'linked_to_pending_copy',
  /** copyPending is off but an existing pending copy is still managed (amend/cancel). */
  'copy_pending_disabled',
  /** dailyLossPercent is set but equity or the day-start equity is unknown. */
  'daily_loss_not_evaluated',
  'equity_ok',
  'equity_unknown',
  'stop_out_not_configured',
  'no_open_copies',
  'pending_copies_cancelled',
] as const;

export type NoteCode = (typeof NOTE_CODES)[number];
