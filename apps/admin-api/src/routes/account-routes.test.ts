import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../../../packages/store/src/testing';
import { listAuditLog, verifyAuditChain } from '../store';
import { collectNotifications, createAccount, openHarness, type Harness } from '../test-harness';

const VIEW_KEYS = [
  'balance', 'broker', 'connectivity', 'createdAt', 'credentials', 'currency', 'equity', 'id', 'login', 'name', 'platform',
  'role', 'status', 'subscriptions', 'symbolPrefix', 'symbolSuffix', 'updatedAt',
].sort();

for (const backend of testBackends()) {
  describe(`accounts and credentials on ${backend.name}`, () => {
    let h: Harness;
    before(async () => (h = await openHarness(backend)));
    after(async () => h.close());

    test('create returns the full view; numeric logins are kept as text; audited', async () => {
      const res = await h.call(h.tokens.admin, 'POST', '/accounts', {
        name: 'Alpha master', role: 'master', platform: 'mt5', broker: { name: 'IC Markets', server: 'ICMarketsSC-Demo' },
        login: 51234567, symbolSuffix: '.r',
      });
      assert.equal(res.statusCode, 201);
      const acc = res.json();
      assert.deepEqual(Object.keys(acc).sort(), VIEW_KEYS);
      assert.deepEqual({ ...acc, id: 'x', createdAt: 'x', updatedAt: 'x' }, {
        id: 'x', name: 'Alpha master', role: 'master', platform: 'mt5', broker: { name: 'IC Markets', server: 'ICMarketsSC-Demo' },
        login: '51234567', status: 'active', symbolPrefix: '', symbolSuffix: '.r',
        connectivity: { online: false, lastHeartbeatAt: null }, balance: null, equity: null, currency: null,
        subscriptions: [], credentials: [], createdAt: 'x', updatedAt: 'x',
      });
      const audit = await listAuditLog(h.db, { target: acc.id });
      assert.equal(audit[0]!.action, 'account.create');
      assert.equal(audit[0]!.before, null);
      assert.equal((audit[0]!.after as { login: string }).login, '51234567');
    });

    test('bad bodies are 400 naming the field', async () => {
      const good = { name: 'n', role: 'follower', platform: 'mt4', broker: { name: 'b', server: 's' }, login: '1' };
      for (const [patch, field] of [
        [{ role: 'leader' }, 'role'], [{ platform: 'mt6' }, 'platform'], [{ broker: { name: 'b' } }, 'broker.server'],
        [{ name: '' }, 'name'], [{ login: 'a b' }, 'login'], [{ symbolPrefix: 'x y' }, 'symbolPrefix'], [{ id: 'acc_mine' }, 'id'],
      ] as const) {
        const res = await h.call(h.tokens.admin, 'POST', '/accounts', { ...good, ...patch });
        assert.equal(res.statusCode, 400, JSON.stringify(patch));
        assert.match(res.json().error.message, new RegExp(`^${field.replace('.', '\\.')}:`), res.body);
      }
    });

    test('view: connectivity from the last heartbeat within the window, balance, equity, currency, subscriptions', async () => {
      const master = await createAccount(h, 'master');
      const follower = await createAccount(h, 'follower');
      await h.db.query(`INSERT INTO account_state (account_id, balance, equity, currency, last_heartbeat_at) VALUES ($1, 10000.5, 9990.25, 'USD', now() - interval '5 seconds')`, [follower]);
      await h.db.query(`INSERT INTO account_state (account_id, balance, equity, currency, last_heartbeat_at) VALUES ($1, 500, 500, 'EUR', now() - interval '45 seconds')`, [master]);
      const sub = (await h.call(h.tokens.operator, 'POST', '/subscriptions', { masterAccountId: master, followerAccountId: follower, sizing: { mode: 'fixed', lots: 1 } })).json();
      const f = (await h.call(h.tokens.viewer, 'GET', `/accounts/${follower}`)).json();
      assert.equal(f.connectivity.online, true);
      assert.ok(f.connectivity.lastHeartbeatAt);
      assert.deepEqual([f.balance, f.equity, f.currency], [10000.5, 9990.25, 'USD']);
      assert.deepEqual(f.subscriptions, [sub.id]);
      const m = (await h.call(h.tokens.viewer, 'GET', `/accounts/${master}`)).json();
      assert.equal(m.connectivity.online, false, '45 s old heartbeat is outside the 30 s window');
      assert.deepEqual(m.subscriptions, [sub.id]);
      h.advance(30_000);
      assert.equal((await h.call(h.tokens.viewer, 'GET', `/accounts/${follower}`)).json().connectivity.online, false);
      h.advance(-30_000);
    });

    test('get unknown is 404; list pages with a cursor and filters by role and status', async () => {
      assert.equal((await h.call(h.tokens.viewer, 'GET', '/accounts/acc_nope')).statusCode, 404);
      for (let i = 0; i < 3; i++) await createAccount(h, 'follower');
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Array<{ id: string; role: string }>; nextCursor: string | null } =
          (await h.call(h.tokens.viewer, 'GET', `/accounts?limit=2&role=follower${cursor ? `&cursor=${cursor}` : ''}`)).json();
        assert.ok(page.items.every((a) => a.role === 'follower'));
        ids.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor;
      } while (cursor);
      const n = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE role = 'follower'`);
      assert.equal(ids.length, n.rows[0]!.n);
      assert.deepEqual(ids, [...ids].sort());
    });

    test('patch (incl. disable) is audited before/after and notifies account:<id>', async () => {
      const id = await createAccount(h, 'follower');
      const notes = await collectNotifications(h.db);
      const res = await h.call(h.tokens.admin, 'PATCH', `/accounts/${id}`, { status: 'disabled', name: 'Gone', symbolPrefix: 'm.' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual([res.json().status, res.json().name, res.json().symbolPrefix], ['disabled', 'Gone', 'm.']);
      await notes.settle();
      await notes.stop();
      assert.deepEqual(notes.payloads, [`account:${id}`]);
      const audit = (await listAuditLog(h.db, { target: id })).at(-1)!;
      assert.equal(audit.action, 'account.update');
      assert.equal((audit.before as { status: string }).status, 'active');
      assert.equal((audit.after as { status: string }).status, 'disabled');
      assert.equal((await h.call(h.tokens.admin, 'PATCH', '/accounts/acc_nope', { name: 'x' })).statusCode, 404);
      assert.equal((await h.call(h.tokens.admin, 'PATCH', `/accounts/${id}`, { role: 'master' })).statusCode, 400);
    });

    test('credential: secret shown once, stored sealed, never returned again; revoke at once', async () => {
      const id = await createAccount(h, 'master');
      const notes = await collectNotifications(h.db);
      const res = await h.call(h.tokens.admin, 'POST', `/accounts/${id}/credentials`);
      assert.equal(res.statusCode, 201);
      const { keyId, secret } = res.json();
      assert.deepEqual(Object.keys(res.json()).sort(), ['keyId', 'secret']);
      assert.match(keyId, /^kid_[0-9a-f]{16}$/);
      assert.equal(Buffer.from(secret, 'base64url').length, 32);

      const row = await h.db.query<Record<string, unknown>>('SELECT * FROM ea_credentials WHERE key_id = $1', [keyId]);
      assert.ok(!JSON.stringify(row.rows).includes(secret), 'the row holds no clear secret');
      assert.equal(h.secretBox.open(row.rows[0]!.secret_sealed as string), secret, 'sealed with the secret box');
      for (const url of [`/accounts/${id}`, '/accounts?limit=200']) {
        const body = (await h.call(h.tokens.admin, 'GET', url)).body;
        assert.ok(body.includes(keyId) && !body.includes(secret), url);
      }
      const audit = await listAuditLog(h.db);
      assert.ok(!JSON.stringify(audit).includes(secret), 'no secret in the audit log');
      assert.ok(audit.some((a) => a.action === 'credential.create' && a.target === keyId));

      const del = await h.call(h.tokens.admin, 'DELETE', `/accounts/${id}/credentials/${keyId}`);
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      const view = (await h.call(h.tokens.viewer, 'GET', `/accounts/${id}`)).json();
      assert.equal(view.credentials.length, 1);
      assert.ok(view.credentials[0].revokedAt);
      const revokeAudit = (await listAuditLog(h.db, { target: keyId })).at(-1)!;
      assert.equal(revokeAudit.action, 'credential.revoke');
      assert.equal((revokeAudit.before as { revokedAt: null }).revokedAt, null);
      assert.ok((revokeAudit.after as { revokedAt: string }).revokedAt);
      // Again: nothing changes, still 204; another account's key or an unknown key: 404.
      assert.equal((await h.call(h.tokens.admin, 'DELETE', `/accounts/${id}/credentials/${keyId}`)).statusCode, 204);
      const other = await createAccount(h, 'follower');
      assert.equal((await h.call(h.tokens.admin, 'DELETE', `/accounts/${other}/credentials/${keyId}`)).statusCode, 404);
      assert.equal((await h.call(h.tokens.admin, 'POST', '/accounts/acc_nope/credentials')).statusCode, 404);
      await notes.settle();
      await notes.stop();
      assert.deepEqual(notes.payloads, [`credential:${keyId}`, `credential:${keyId}`]);
      assert.equal((await verifyAuditChain(h.db)).ok, true);
    });
  });
}
