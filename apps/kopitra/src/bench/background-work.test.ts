import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@kopitra/store/testing';
import { backgroundSince, backgroundSnapshot, describeBackground, kernelDirtyMb } from './background-work';

for (const backend of testBackends()) {
  describe(`background work beside a bench phase, on ${backend.name}`, () => {
    test('counts the orders expired and the checkpoints between two snapshots', async () => {
      const { db, drop } = await backend.open();
      try {
        const from = await backgroundSnapshot(db);
        await db.query(`INSERT INTO orders (id, run_id, subscription_id, follower_account_id, action, tag, payload, status, created_at, expires_at)
                        VALUES ('ord_x', 'run_x', 'sub_x', 'acc_x', 'open', 'kp:x', '{}', 'expired', now(), now()),
                               ('ord_y', 'run_x', 'sub_x', 'acc_x', 'open', 'kp:y', '{}', 'pending', now(), now())`);
        await db.query('CHECKPOINT');
        const since = backgroundSince(from, await backgroundSnapshot(db));
        assert.equal(since.expiredOrders, 1);
        // PostgreSQL counts its checkpoints; an embedded server may not, and then none are described.
        if (backend.name === 'postgres') {
          assert.ok(since.checkpoints !== null && since.checkpoints >= 1, JSON.stringify(since));
          assert.ok(since.checkpointBuffers !== null && since.checkpointBuffers >= 1, JSON.stringify(since));
        }
        const dirty = since.kernelDirtyMb ? /; the kernel's dirty pages \d+ MB at the start, \d+ MB at the end$/.source : '$';
        assert.match(describeBackground(since), new RegExp((since.checkpoints === null
          ? /^meanwhile 1 earlier orders expired/
          : /^meanwhile checkpoints: \d+ started, \d+ buffers written; 1 earlier orders expired/).source + dirty));
        if (process.platform === 'linux') assert.ok(since.kernelDirtyMb && since.kernelDirtyMb.atStart >= 0, JSON.stringify(since));
      } finally {
        await drop();
      }
    });
  });
}

describe('the kernel\'s dirty page cache', () => {
  test('read from /proc/meminfo in MB; null when it does not say', () => {
    assert.equal(kernelDirtyMb('MemTotal:       24000000 kB\nDirty:            251008 kB\nWriteback:             0 kB\n'), 245);
    assert.equal(kernelDirtyMb('MemTotal:       24000000 kB\n'), null);
    assert.equal(kernelDirtyMb(''), null);
  });
});
