import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../../../packages/store/src/testing';
import { listAuditLog, verifyAuditChain } from '../store';
import { BAD_SETTINGS } from '../subscription-settings-cases';
import { SUBSCRIPTION_DEFAULTS } from '../subscription-settings';
import { collectNotifications, createAccount, openHarness, type Harness } from '../test-harness';

for (const backend of testBackends()) {
  describe(`subscriptions on ${backend.name}`, () => {
    let h: Harness;
    let master: string;
    let follower: string;
    before(async () => {
      h = await openHarness(backend);
      master = await createAccount(h, 'master');
      follower = await createAccount(h, 'follower');
    });
    after(async () => h.close());

    const post = (body: Record<string, unknown>) => h.call(h.tokens.operator, 'POST', '/subscriptions', body);

    test('create: 201 with id, both accounts and every setting with defaults; audited; notifies subscription:<master>', async () => {
      const notes = await collectNotifications(h.db);
      const res = await post({ masterAccountId: master, followerAccountId: follower, sizing: { mode: 'multiplier', multiplier: 0.5 } });
      assert.equal(res.statusCode, 201, res.body);
      const sub = res.json();
      const { id, createdAt, updatedAt, ...rest } = sub;
      assert.match(id, /^sub_/);
      assert.ok(createdAt && updatedAt);
      assert.deepEqual(rest, {
        masterAccountId: master, followerAccountId: follower, sizing: { mode: 'multiplier', multiplier: 0.5 },
        ...SUBSCRIPTION_DEFAULTS, pausedReason: null,
      });
      const row = await h.db.query<{ settings: Record<string, unknown>; status: string }>('SELECT settings, status FROM subscriptions WHERE id = $1', [id]);
      assert.deepEqual(row.rows[0]!.settings, { sizing: { mode: 'multiplier', multiplier: 0.5 }, ...SUBSCRIPTION_DEFAULTS });
      assert.equal(row.rows[0]!.status, 'active');
      const audit = await listAuditLog(h.db, { target: id });
      assert.equal(audit[0]!.action, 'subscription.create');
      assert.equal((audit[0]!.after as { maxSignalAgeMs: number }).maxSignalAgeMs, 30000);
      await notes.settle();
      await notes.stop();
      assert.deepEqual(notes.payloads, [`subscription:${master}`]);

      assert.deepEqual((await h.call(h.tokens.viewer, 'GET', `/subscriptions/${id}`)).json(), sub);
      // One subscription per pair.
      const dup = await post({ masterAccountId: master, followerAccountId: follower, sizing: { mode: 'fixed', lots: 1 } });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error.code, 'conflict');
    });

    for (const [name, input, field] of BAD_SETTINGS) {
      test(`400 for ${name}, naming ${field}`, async () => {
        const other = { masterAccountId: master, followerAccountId: follower };
        const res = await post({ ...other, ...input });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'invalid_payload');
        assert.ok(res.json().error.message.startsWith(`${field}:`), `"${res.json().error.message}" should name ${field}`);
      });
    }

    test('master must be a master account, follower a follower account, both must exist', async () => {
      const sizing = { mode: 'fixed', lots: 1 };
      const master2 = await createAccount(h, 'master');
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ masterAccountId: follower, followerAccountId: follower }, 'masterAccountId'],
        [{ masterAccountId: master, followerAccountId: master2 }, 'followerAccountId'],
        [{ masterAccountId: 'acc_nope', followerAccountId: follower }, 'masterAccountId'],
        [{ masterAccountId: master }, 'followerAccountId'],
      ];
      for (const [ids, field] of cases) {
        const res = await post({ ...ids, sizing });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, new RegExp(`^${field}:`));
      }
    });

    test('patch: partial, re-validated whole, audited before/after, notifies; pause and resume', async () => {
      const f = await createAccount(h, 'follower');
      const sub = (await post({ masterAccountId: master, followerAccountId: f, sizing: { mode: 'balance_ratio' }, symbols: { allow: ['EUR*'] } })).json();
      const notes = await collectNotifications(h.db);
      const res = await h.call(h.tokens.operator, 'PATCH', `/subscriptions/${sub.id}`, { status: 'paused', maxLot: 2, symbols: { deny: ['EURTRY'] } });
      assert.equal(res.statusCode, 200, res.body);
      const next = res.json();
      assert.equal(next.status, 'paused');
      assert.equal(next.maxLot, 2);
      assert.deepEqual(next.symbols, { allow: ['EUR*'], deny: ['EURTRY'] });
      assert.deepEqual(next.sizing, { mode: 'balance_ratio', multiplier: 1 });
      assert.ok(next.updatedAt >= sub.updatedAt);
      const row = await h.db.query<{ status: string }>('SELECT status FROM subscriptions WHERE id = $1', [sub.id]);
      assert.equal(row.rows[0]!.status, 'paused', 'status column mirrors settings.status');
      const audit = (await listAuditLog(h.db, { target: sub.id })).at(-1)!;
      assert.equal(audit.action, 'subscription.update');
      assert.deepEqual([(audit.before as { status: string }).status, (audit.after as { status: string }).status], ['active', 'paused']);
      assert.deepEqual([(audit.before as { maxLot: null }).maxLot, (audit.after as { maxLot: number }).maxLot], [null, 2]);

      // Bad patches change nothing.
      for (const [body, field] of [
        [{ sizing: { mode: 'fixed' } }, 'sizing.lots'], [{ maxLot: 0 }, 'maxLot'], [{ followerAccountId: f }, 'followerAccountId'],
        [{ status: 'stopped' }, 'status'],
      ] as const) {
        const bad = await h.call(h.tokens.operator, 'PATCH', `/subscriptions/${sub.id}`, body);
        assert.equal(bad.statusCode, 400, JSON.stringify(body));
        assert.match(bad.json().error.message, new RegExp(`^${field.replace('.', '\\.')}:`));
      }
      assert.deepEqual((await h.call(h.tokens.viewer, 'GET', `/subscriptions/${sub.id}`)).json(), next);

      const resumed = await h.call(h.tokens.operator, 'PATCH', `/subscriptions/${sub.id}`, { status: 'active', sizing: { mode: 'risk_percent', percent: 1 } });
      assert.equal(resumed.json().status, 'active');
      assert.deepEqual(resumed.json().sizing, { mode: 'risk_percent', percent: 1 });
      assert.equal((await h.call(h.tokens.operator, 'PATCH', '/subscriptions/sub_nope', { status: 'paused' })).statusCode, 404);
      await notes.settle();
      await notes.stop();
      assert.deepEqual(notes.payloads, [`subscription:${master}`, `subscription:${master}`]);
    });

    test('delete: 204, then gone (404), audited, notifies; the pair may subscribe again', async () => {
      const m = await createAccount(h, 'master');
      const f = await createAccount(h, 'follower');
      const sub = (await post({ masterAccountId: m, followerAccountId: f, sizing: { mode: 'fixed', lots: 0.01 } })).json();
      const notes = await collectNotifications(h.db);
      const del = await h.call(h.tokens.operator, 'DELETE', `/subscriptions/${sub.id}`);
      assert.equal(del.statusCode, 204);
      assert.equal((await h.call(h.tokens.viewer, 'GET', `/subscriptions/${sub.id}`)).statusCode, 404);
      assert.equal((await h.call(h.tokens.operator, 'DELETE', `/subscriptions/${sub.id}`)).statusCode, 404);
      const audit = (await listAuditLog(h.db, { target: sub.id })).at(-1)!;
      assert.equal(audit.action, 'subscription.delete');
      assert.equal((audit.before as { id: string }).id, sub.id);
      assert.ok((audit.after as { deletedAt: string }).deletedAt);
      assert.deepEqual((await h.call(h.tokens.viewer, 'GET', `/accounts/${f}`)).json().subscriptions, []);
      await notes.settle();
      await notes.stop();
      assert.deepEqual(notes.payloads, [`subscription:${m}`]);
      assert.equal((await post({ masterAccountId: m, followerAccountId: f, sizing: { mode: 'fixed', lots: 0.01 } })).statusCode, 201);
    });

    test('list: filters by master, follower and status; pages with a cursor', async () => {
      const m = await createAccount(h, 'master');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const f = await createAccount(h, 'follower');
        const s = (await post({ masterAccountId: m, followerAccountId: f, sizing: { mode: 'fixed', lots: 0.1 }, status: i % 2 ? 'paused' : 'active' })).json();
        ids.push(s.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await h.call(h.tokens.viewer, 'GET', `/subscriptions?masterAccountId=${m}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200);
        const page: { items: Array<{ id: string }>; nextCursor: string | null } = res.json();
        seen.push(...page.items.map((s) => s.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, ids);
      assert.equal(pages, 3);
      const paused = (await h.call(h.tokens.viewer, 'GET', `/subscriptions?masterAccountId=${m}&status=paused`)).json();
      assert.deepEqual(paused.items.map((s: { id: string }) => s.id), [ids[1], ids[3]]);
      const byFollower = (await h.call(h.tokens.viewer, 'GET', `/subscriptions?followerAccountId=${follower}`)).json();
      assert.equal(byFollower.items.length, 1);
      assert.equal((await h.call(h.tokens.viewer, 'GET', '/subscriptions?status=stopped')).statusCode, 400);
    });

    test('every change of this suite is in one valid hash chain', async () => {
      const r = await verifyAuditChain(h.db);
      assert.equal(r.ok, true);
      assert.ok(r.rows > 10);
    });
  });
}
