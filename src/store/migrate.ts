import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentproofError } from '../core/errors.ts';
import type { Db, Queryable } from './db.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Any fixed number works as long as nothing else in the database uses it: every process that
 * migrates takes this lock, so two servers starting at once apply each migration exactly once.
 */
export const MIGRATION_LOCK_KEY = 7_351_482_904;

export interface Migration {
  version: number;
  name: string;
  file: string;
}

/** The store was written by a newer agentproof: running older code on it could corrupt it. */
export class StoreTooNewError extends AgentproofError {
  constructor(message: string) {
    super('store_too_new', 409, message);
  }
}

/** `NNNN_name.sql` files of a directory, in version order; anything else there is a mistake. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = /^(\d+)_([a-z0-9_]+)\.sql$/i.exec(file);
    if (!m) throw new AgentproofError('bad_migration', 500, `${join(dir, file)}: migration files are named NNNN_name.sql`);
    migrations.push({ version: Number(m[1]), name: m[2], file: join(dir, file) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new AgentproofError('bad_migration', 500, `${migrations[i].file}: version ${migrations[i].version} is used twice`);
    }
  }
  return migrations;
}

/**
 * Brings the schema up to date: each pending migration runs in its own transaction together with
 * its schema_migrations row, so a failure leaves the database at the last good version. Existing
 * data is never dropped; a database that already has a migration this code does not know is
 * refused rather than touched. Returns the versions it applied.
 */
export async function migrate(db: Db, opts: { dir?: string } = {}): Promise<number[]> {
  const migrations = await readMigrations(opts.dir);
  const known = new Set(migrations.map((m) => m.version));

  const appliedRows = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    return tx.query<{ version: number; name: string }>(`SELECT version, name FROM schema_migrations ORDER BY version`);
  });
  const unknown = appliedRows.filter((r) => !known.has(r.version));
  if (unknown.length > 0) {
    const names = unknown.map((r) => `${String(r.version).padStart(4, '0')}_${r.name}`).join(', ');
    throw new StoreTooNewError(
      `the database has migration ${names}, which this version of agentproof does not know: it was written by a newer agentproof; upgrade agentproof to use it`,
    );
  }

  const applied: number[] = [];
  const done = new Set(appliedRows.map((r) => r.version));
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const sql = await readFile(m.file, 'utf8');
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // Another process may have applied it while we waited for the lock.
      const already = await tx.query(`SELECT 1 FROM schema_migrations WHERE version = $1`, [m.version]);
      if (already.length > 0) return false;
      try {
        await tx.query(sql);
      } catch (err) {
        throw new AgentproofError('migration_failed', 500, `migration ${m.file} failed: ${(err as Error).message}`, [], { cause: err });
      }
      await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}

function lock(tx: Queryable): Promise<unknown> {
  return tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_KEY]);
}
