import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from './migrate';
import { openPgliteDb } from './pglite-db';
import { migrationsFingerprint, readPgliteTemplate, templateDirOf, templatePath } from './pglite-template';
import { buildPgliteTemplate } from './pglite-template-build';

// Each PGlite open costs seconds and ~0.8 GB: a few, one after another, each closed.
describe('PGlite template', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kopitra-pglite-template-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the fingerprint follows the migrations and the PGlite version; another fingerprint finds no template', async () => {
    const dir = join(tmp, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x int);');
    const base = migrationsFingerprint(dir, '1.0.0');
    assert.match(base, /^[0-9a-f]{16}$/);

    writeFileSync(join(dir, 'notes.md'), 'not a migration');
    assert.equal(migrationsFingerprint(dir, '1.0.0'), base, 'only NNN_name.sql files count');
    assert.notEqual(migrationsFingerprint(dir, '1.0.1'), base, 'another PGlite version');
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x int);');
    assert.notEqual(migrationsFingerprint(dir, '1.0.0'), base, 'a new migration');
    rmSync(join(dir, '002_b.sql'));
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x bigint);');
    assert.notEqual(migrationsFingerprint(dir, '1.0.0'), base, 'an edited migration');

    assert.match(templatePath(), new RegExp(`[/\\\\]\\.pglite-template[/\\\\]${migrationsFingerprint()}\\.tar$`));
    assert.notEqual(templatePath(base), templatePath());
    assert.equal(await readPgliteTemplate(templatePath(base)), undefined);
  });

  describe('built', () => {
    let file: string;
    before(async () => {
      const dir = join(tmp, 'templates');
      mkdirSync(dir);
      writeFileSync(join(dir, '0000000000000000.tar'), 'an older template');
      writeFileSync(join(dir, '1111111111111111.tar.gz'), 'an older, gzip template');
      mkdirSync(join(dir, '0000000000000000'));
      mkdirSync(join(dir, '.f1f1f1f1f1f1f1f1.1.partial'));
      file = await buildPgliteTemplate(join(dir, 'f1f1f1f1f1f1f1f1.tar'));
      assert.ok(existsSync(file));
      assert.ok(existsSync(join(templateDirOf(file), 'PG_VERSION')), 'and its data dir beside it');
      assert.equal(templateDirOf(file), join(dir, 'f1f1f1f1f1f1f1f1'));
      assert.ok(!existsSync(join(dir, '0000000000000000.tar')), 'older templates are removed');
      assert.ok(!existsSync(join(dir, '1111111111111111.tar.gz')), 'and the gzip ones of earlier versions');
      assert.ok(!existsSync(join(dir, '0000000000000000')), 'and their data dirs');
      assert.ok(existsSync(join(dir, '.f1f1f1f1f1f1f1f1.1.partial')), 'not what another build is writing');
    });

    test('an in-memory database starts migrated from the tarball', async () => {
      const db = await openPgliteDb({ templateFile: file });
      try {
        assert.deepEqual(await migrate(db), [], 'nothing left to apply');
      } finally {
        await db.close();
      }
    });

    test('a new data dir starts migrated from it; an existing database is kept', async () => {
      // A file PostgreSQL ignores, to see that the data dir was copied (the tarball has none).
      writeFileSync(join(templateDirOf(file), 'copied-from-the-template-dir'), '');
      const dataDir = join(tmp, 'data');
      // What a start killed in the middle of its copy leaves (the copy is renamed into place whole).
      mkdirSync(join(tmp, '.data.99999999.partial'));
      const db = await openPgliteDb({ dataDir, templateFile: file });
      try {
        assert.ok(existsSync(join(dataDir, 'copied-from-the-template-dir')), 'a copy of the data dir');
        assert.deepEqual(readdirSync(tmp).filter((n) => n.endsWith('.partial')), [], 'no partial copy left');
        assert.deepEqual(await migrate(db), [], 'nothing left to apply');
        const { rows: databases } = await db.query<{ datname: string }>('SELECT datname FROM pg_database');
        assert.deepEqual(databases, [{ datname: 'postgres' }], 'without the template databases');
        await db.query(`INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login)
          VALUES ('acc_t', 'T', 'master', 'mt5', 'B', 'B-Live', '1')`);
      } finally {
        await db.close();
      }

      const again = await openPgliteDb({ dataDir, templateFile: file });
      try {
        const { rows } = await again.query<{ id: string }>('SELECT id FROM accounts');
        assert.deepEqual(rows, [{ id: 'acc_t' }]);
      } finally {
        await again.close();
      }
    });

    test('a damaged data dir in the template falls back to its tarball', async () => {
      const other = join(tmp, 'templates', 'd2d2d2d2d2d2d2d2.tar');
      cpSync(file, other);
      cpSync(templateDirOf(file), templateDirOf(other), { recursive: true });
      rmSync(join(templateDirOf(other), 'global', 'pg_control'));
      const dataDir = join(tmp, 'data-from-tarball');
      const db = await openPgliteDb({ dataDir, templateFile: other });
      try {
        assert.deepEqual(await migrate(db), [], 'migrated from the tarball, not from scratch');
        assert.ok(existsSync(join(dataDir, 'global', 'pg_control')));
        assert.ok(!existsSync(join(dataDir, 'copied-from-the-template-dir')), 'nothing of the damaged copy left');
      } finally {
        await db.close();
      }
    });

    test('a template that fails to load leaves nothing behind: the database is made from scratch', async () => {
      // A cut-off tarball: PGlite unpacks part of it into the dir, then fails.
      const damaged = join(tmp, 'damaged.tar');
      writeFileSync(damaged, readFileSync(file).subarray(0, 2_000_000));
      const db = await openPgliteDb({ dataDir: join(tmp, 'data-damaged'), templateFile: damaged });
      try {
        const applied = await migrate(db);
        assert.ok(applied.includes('001_init.sql'), 'migrated from scratch, not from the template');
      } finally {
        await db.close();
      }
    });
  });
});
