import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { MIGRATIONS_DIR, MIGRATION_LOCK_KEY, StoreTooNewError, migrate, readMigrations } from '../../src/store/migrate.ts';
import { storeVariants } from '../helpers/stores.ts';

/** The shipped migrations plus one more that changes a table holding data and adds a table. */
async function newerMigrationsDir(): Promise<{ dir: string; version: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-migrations-'));
  const shipped = await readMigrations();
  for (const m of shipped) await copyFile(m.file, join(dir, basename(m.file)));
  const version = shipped.at(-1)!.version + 1;
  await writeFile(
    join(dir, `${String(version).padStart(4, '0')}_test_project_notes.sql`),
    `ALTER TABLE projects ADD COLUMN note text NOT NULL DEFAULT 'none';
     CREATE TABLE test_notes (project_id text NOT NULL REFERENCES projects(id), body text NOT NULL);`,
  );
  return { dir, version };
}

for (const variant of storeVariants()) {
  describe(`migrations on ${variant.name}`, () => {
    let db: Db;
    let newer: { dir: string; version: number };
    before(async () => {
      db = await variant.open();
      newer = await newerMigrationsDir();
    });
    after(async () => {
      await db.close();
      await rm(newer.dir, { recursive: true, force: true });
    });

    test('a new store has every shipped migration recorded and the default project', async () => {
      const shipped = await readMigrations(MIGRATIONS_DIR);
      const rows = await db.query<{ version: number; name: string }>(`SELECT version, name FROM schema_migrations ORDER BY version`);
      assert.deepEqual(rows, shipped.map((m) => ({ version: m.version, name: m.name })));
      const projects = await db.query<{ id: string }>(`SELECT id FROM projects`);
      assert.deepEqual(projects.map((p) => p.id), [DEFAULT_PROJECT_ID]);
    });

    test('migrating an up-to-date store again applies nothing', async () => {
      assert.deepEqual(await migrate(db), []);
      const [{ count }] = await db.query<{ count: number }>(`SELECT count(*) AS count FROM schema_migrations`);
      assert.equal(count, (await readMigrations()).length);
    });

    test('an older store gets the new migration once, even from two migrators at once, and keeps its rows', async () => {
      await db.query(`INSERT INTO projects (id, name) VALUES ('acme', 'Acme')`);
      const results = await Promise.all([migrate(db, { dir: newer.dir }), migrate(db, { dir: newer.dir })]);
      assert.deepEqual(results.flat(), [newer.version]);
      const projects = await db.query<{ id: string; name: string; note: string }>(`SELECT id, name, note FROM projects ORDER BY id`);
      assert.deepEqual(projects, [
        { id: 'acme', name: 'Acme', note: 'none' },
        { id: DEFAULT_PROJECT_ID, name: 'Default project', note: 'none' },
      ]);
      await db.query(`INSERT INTO test_notes (project_id, body) VALUES ('acme', 'kept')`);
    });

    test('a store migrated by a newer version is refused, naming the unknown migration', async () => {
      await assert.rejects(migrate(db), (err: unknown) => {
        assert.ok(err instanceof StoreTooNewError);
        assert.match(err.message, new RegExp(`${String(newer.version).padStart(4, '0')}_test_project_notes`));
        return true;
      });
      const [{ count }] = await db.query<{ count: number }>(`SELECT count(*) AS count FROM test_notes`);
      assert.equal(count, 1);
    });
  });
}

for (const variant of storeVariants().filter((v) => v.name === 'postgres')) {
  test('a migrator waits for another process that holds the migration lock and does not redo its work', async () => {
    const db = await variant.open();
    const newer = await newerMigrationsDir();
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    let other: Promise<void> | undefined;
    try {
      // Plays the other server: takes the lock, then applies and records the new migration.
      other = db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_KEY]);
        locked();
        await released;
        const file = (await readMigrations(newer.dir)).at(-1)!;
        await tx.query(await readFile(file.file, 'utf8'));
        await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [file.version, file.name]);
      });
      await isLocked;
      const ours = migrate(db, { dir: newer.dir });
      // Wait until some migrator is blocked on the lock: ours, unless it has not got there yet, in
      // which case it runs after the other one committed and must still find nothing to do.
      for (let i = 0; ; i++) {
        const [{ waiting }] = await db.query<{ waiting: number }>(
          `SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if (waiting > 0) break;
        assert.ok(i < 500, 'no migrator ever waited for the migration lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      release();
      await other;
      assert.deepEqual(await ours, []);
      const [{ count }] = await db.query<{ count: number }>(`SELECT count(*) AS count FROM schema_migrations WHERE version = $1`, [newer.version]);
      assert.equal(count, 1);
    } finally {
      release();
      await other?.catch(() => {});
      await db.close();
      await rm(newer.dir, { recursive: true, force: true });
    }
  });
}

test('a migrations directory holding a badly named file is rejected with its path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-migrations-'));
  try {
    await writeFile(join(dir, 'add-things.sql'), 'SELECT 1');
    await assert.rejects(readMigrations(dir), /add-things\.sql: migration files are named NNNN_name\.sql/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
