import { mkdir } from 'node:fs/promises';
import { AgentproofError, errorMessage } from '../core/errors.ts';
import { join, resolve } from 'node:path';
import { acquireStoreLock } from './lock.ts';
import { migrate } from './migrate.ts';
import { PgliteDb } from './pglite.ts';
import { PostgresDb } from './postgres.ts';

export const DEFAULT_DATA_DIR = '.agentproof';

/** An open store: a Db, plus the embedded store's lock (null on PostgreSQL and in memory). */
export type Store = PgliteDb | PostgresDb;

export interface OpenStoreOptions {
  /** Embedded store directory; default AGENTPROOF_DATA, then ./.agentproof. Created if missing. */
  dataDir?: string;
  /** PostgreSQL connection string; default DATABASE_URL. An empty string means none. */
  databaseUrl?: string;
  /** The opening command as typed (`agentproof serve`), shown to a process the lock refuses. */
  command?: string;
  /** A throw-away PGlite store in this process (tests, one-off validation): no directory, no lock. */
  memory?: boolean;
  /** Migrations to apply; the shipped ones by default. */
  migrationsDir?: string;
}

/**
 * Opens the store this process should use — PostgreSQL when a database URL is given, else the
 * embedded PGlite store in the data directory — and brings its schema up to date. The embedded
 * store is locked for this process until close().
 */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  let db: Store;
  if (opts.memory) {
    db = await PgliteDb.open('memory://');
  } else if (databaseUrl) {
    db = new PostgresDb(databaseUrl);
    try {
      // The first query, so it also tells whether the server can be reached at all.
      await db.detectCapabilities();
    } catch (err) {
      await db.close();
      throw new AgentproofError('store_unavailable', 503, `cannot connect to the PostgreSQL database ${redact(databaseUrl)} (DATABASE_URL): ${errorMessage(err) || String((err as { code?: string }).code)}`, [], { cause: err });
    }
  } else {
    const dataDir = resolve(opts.dataDir ?? (process.env.AGENTPROOF_DATA || DEFAULT_DATA_DIR));
    await mkdir(dataDir, { recursive: true });
    const lock = await acquireStoreLock(dataDir, opts.command ?? ['agentproof', ...process.argv.slice(2)].join(' '));
    try {
      // PGlite gets a subdirectory: the data directory also holds the lock, owner.json and files
      // other areas keep beside the database.
      db = await PgliteDb.open(join(dataDir, 'pgdata'), lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }
  try {
    await migrate(db, { dir: opts.migrationsDir });
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** Store options from a command's `--data DIR` flag and the environment. */
export function storeOptionsFromCli(opts: { data?: string }): { dataDir: string; databaseUrl: string | undefined } {
  return {
    dataDir: resolve(opts.data ?? (process.env.AGENTPROOF_DATA || DEFAULT_DATA_DIR)),
    databaseUrl: process.env.DATABASE_URL || undefined,
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
