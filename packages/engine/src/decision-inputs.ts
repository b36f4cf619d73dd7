import type { DecisionInputs } from './types.js';

/**
 * A decision's inputs with every field there from the start, absent ones undefined (JSON leaves
 * them out, so what is stored and answered is as before). The planners then only set fields: one
 * hidden class for every decision's inputs, made at this one site. Built as `{ eventType }` with
 * fields added as a planner went, each decision's inputs took their own path through V8's map
 * transitions (which fields, in which order), the property stores went megamorphic and each took a
 * runtime look-up: in the bench's throughput phase (one follower per signal) planning cost 783 ms
 * of the gateway's 7.0 s of CPU in the first level, 73 ms with this (docs/performance.md, session 15).
 */
export function newInputs(eventType: string): DecisionInputs {
  return {
    eventType,
    masterPositionId: undefined,
    masterOrderId: undefined,
    masterSymbol: undefined,
    canonicalSymbol: undefined,
    followerSymbol: undefined,
    symbolVia: undefined,
    symbolCandidates: undefined,
    masterSide: undefined,
    followerSide: undefined,
    pendingKind: undefined,
    followerKind: undefined,
    masterVolume: undefined,
    masterPrice: undefined,
    masterSl: undefined,
    masterTp: undefined,
    sizingMode: undefined,
    lots: undefined,
    multiplier: undefined,
    percent: undefined,
    ratio: undefined,
    masterBalance: undefined,
    followerBalance: undefined,
    masterEquity: undefined,
    followerEquity: undefined,
    riskAmount: undefined,
    lossPerLot: undefined,
    tickSize: undefined,
    tickValue: undefined,
    rawVolume: undefined,
    volumeStep: undefined,
    volumeMin: undefined,
    volumeMax: undefined,
    maxLot: undefined,
    volumeCap: undefined,
    minVolume: undefined,
    status: undefined,
    signalAgeMs: undefined,
    maxSignalAgeMs: undefined,
    openCopies: undefined,
    maxOpenPositions: undefined,
    dayStartEquity: undefined,
    dailyLossPercent: undefined,
    dailyLossThreshold: undefined,
    stopOutEquity: undefined,
    reverse: undefined,
    direction: undefined,
    copySl: undefined,
    copyTp: undefined,
    copyPending: undefined,
    masterVolumeClosed: undefined,
    masterVolumeAfter: undefined,
    copyOpenVolume: undefined,
    closeFraction: undefined,
    legs: undefined,
  } satisfies Required<Record<keyof DecisionInputs, unknown>>;
}
