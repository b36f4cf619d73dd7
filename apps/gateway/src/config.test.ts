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

  test("the everyday path's warm-up: 400 signals unless told, none with 0, a clear error beyond its range", () => {
    assert.equal(loadGatewayServerConfig({}).warmUpSignals, 400);
    assert.equal(loadGatewayServerConfig({ KOPITRA_WARM_UP_SIGNALS: '0' }).warmUpSignals, 0);
    assert.equal(loadGatewayServerConfig({ KOPITRA_WARM_UP_SIGNALS: '10000' }).warmUpSignals, 10_000);
    assert.throws(() => loadGatewayServerConfig({ KOPITRA_WARM_UP_SIGNALS: '10001' }), /KOPITRA_WARM_UP_SIGNALS must be a number between 0 and 10000 \(got '10001'\)/);
    assert.throws(() => loadGatewayServerConfig({ KOPITRA_WARM_UP_SIGNALS: 'lots' }), /KOPITRA_WARM_UP_SIGNALS must be a number between 0 and 10000/);
  });
});
