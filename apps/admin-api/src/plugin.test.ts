import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createSecretBox, type Db } from '@kopitra/store';
import { testBackends } from '../../../packages/store/src/testing';
import { ensureBootstrapAdmin } from './bootstrap-admin';
import { loadAdminConfig } from './config';
import { adminApiPlugin } from './plugin';

/** The launcher mounts the plugin beside the gateway: neither may change the other's parsing or errors. */
for (const backend of [testBackends()[0]!]) {
  describe(`plugin in a shared instance on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let host: FastifyInstance;
    before(async () => {
      ({ db, drop } = await backend.open());
      await ensureBootstrapAdmin(db, { email: 'root@example.com', password: 'root-password-1' });
      host = Fastify();
      // What a gateway does at its root: raw bodies for signature checks, its own error shape.
      host.removeAllContentTypeParsers();
      host.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
      host.setErrorHandler((_e, _r, reply) => reply.status(418).send({ host: true }));
      host.post('/v1/echo', async (request) => ({ raw: Buffer.isBuffer(request.body) }));
      host.get('/v1/fail', async () => {
        throw new Error('x');
      });
      await host.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox: createSecretBox(randomBytes(32)), config: loadAdminConfig({}) });
      await host.ready();
    });
    after(async () => {
      await host.close();
      await drop();
    });

    test('admin routes parse JSON and answer errors in the contract shape', async () => {
      const ok = await host.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'root@example.com', password: 'root-password-1' } });
      assert.equal(ok.statusCode, 200);
      const bad = await host.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'root@example.com' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_payload');
      assert.equal((await host.inject({ method: 'GET', url: '/admin/v1/accounts' })).json().error.code, 'unauthenticated');
    });

    test('host routes keep their parser and error handler', async () => {
      const echo = await host.inject({ method: 'POST', url: '/v1/echo', payload: { a: 1 } });
      assert.deepEqual(echo.json(), { raw: true });
      const fail = await host.inject({ method: 'GET', url: '/v1/fail' });
      assert.equal(fail.statusCode, 418);
    });
  });
}
