import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newInputs } from './decision-inputs.js';
import { NOW, context, leg, opened, planOne } from './test-fixtures.js';
import type { MasterEvent } from './types.js';

const closed: MasterEvent = { type: 'position.closed', occurredAtMs: NOW, position: { id: 'P1', volume: 1, price: 1.1, volumeAfter: 0 } };

describe('decision inputs', () => {
  it('every planner hands back inputs with the same fields in the same order (one shape)', () => {
    const open = planOne(opened(), context());
    const skippedOpen = planOne(opened({ symbol: 'NOPE' }), context());
    const close = planOne(closed, context({ copies: [leg()] }));
    const fields = Object.keys(newInputs('x'));
    assert.ok(fields.length > 50);
    for (const d of [open, skippedOpen, close]) assert.deepEqual(Object.keys(d.inputs), fields);
  });

  it('what is stored (JSON) holds only the inputs a planner set', () => {
    const close = planOne(closed, context({ copies: [leg({ volume: 0.05 })] }));
    assert.deepEqual(JSON.parse(JSON.stringify(close.inputs)), {
      eventType: 'position.closed', masterPositionId: 'P1', masterVolumeClosed: 1, masterVolumeAfter: 0, legs: 1,
      followerSymbol: 'EURUSD', copyOpenVolume: 0.05,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(newInputs('stop_out'))), { eventType: 'stop_out' });
  });
});
