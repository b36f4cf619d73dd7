import type { MasterEvent } from '@kopitra/engine';
import type { SignalBody } from '@kopitra/protocol';

/** The validated wire signal as the engine's event: time as a number, nothing else changed. */
export function toMasterEvent(body: SignalBody): MasterEvent {
  const { sequence: _s, occurredAt, ...rest } = body;
  return { ...rest, occurredAtMs: Date.parse(occurredAt) } as MasterEvent;
}

/** A one-line summary for run lists: "position.opened EURUSD buy 1.25". */
export function describeSignal(body: SignalBody): string {
  if ('position' in body) {
    const p = body.position as Record<string, unknown>;
    return [body.type, p.symbol, p.side, p.volume].filter((x) => x !== undefined).join(' ');
  }
  const o = body.order as Record<string, unknown>;
  return [body.type, o.symbol, o.kind, o.volume].filter((x) => x !== undefined).join(' ');
}
