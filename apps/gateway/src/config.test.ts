import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadGatewayServerConfig } from './config';

describe('the standalone gateway configuration', () => {
  test('the warm-up: six rounds unless told, none with 0, a clear error beyond its range', () => {
    assert.equal(loadGatewayServerConfig({}).warmUpRounds, 6);
    assert.equal(loadGatewayServerConfig({ KOPITRA_WARM_UP_ROUNDS: '0' }).warmUpRounds, 0);
    assert.throws(() => loadGatewayServerConfig({ KOPITRA_WARM_UP_ROUNDS: '-1' }), /KOPITRA_WARM_UP_ROUNDS must be a number between 0 and 50 \(got '-1'\)/);
    assert.throws(() => loadGatewayServerConfig({ KOPITRA_WARM_UP_ROUNDS: 'many' }), /KOPITRA_WARM_UP_ROUNDS must be a number between 0 and 50/);
  });
});
