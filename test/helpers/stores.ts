import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../../src/store/db.ts';
import { openStore, type OpenStoreOptions } from '../../src/store/open.ts';

export interface StoreVariant {
  name: string;
  /** A fresh, migrated, empty store; its close() also removes it. */
  open: (opts?: Pick<OpenStoreOptions, 'migrationsDir'>) => Promise<Db>;
}

/**
 * The stores every store test runs on: embedded PGlite always, PostgreSQL when TEST_DATABASE_URL
 * is set. Each PostgreSQL store lives in its own schema (selected through the connection's
 * search_path), so test files running in parallel never see each other's tables.
 */
export function storeVariants(): StoreVariant[] {
  const variants: StoreVariant[] = [{ name: 'pglite', open: openPglite }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) variants.push({ name: 'postgres', open: (opts) => openPostgres(url, opts) });
  return variants;
}

/** A fresh embedded data directory; remove it with removeTempDir. */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'agentproof-store-'));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

async function openPglite(opts: Pick<OpenStoreOptions, 'migrationsDir'> = {}): Promise<Db> {
  const dir = await tempDataDir();
  // An empty databaseUrl keeps a DATABASE_URL in the developer's environment from redirecting us.
  const db = await openStore({ dataDir: dir, databaseUrl: '', command: 'agentproof test', ...opts });
  return withCleanup(db, () => removeTempDir(dir));
}

async function openPostgres(url: string, opts: Pick<OpenStoreOptions, 'migrationsDir'> = {}): Promise<Db> {
  const schema = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(url, `CREATE SCHEMA ${schema}`);
  const db = await openStore({ databaseUrl: withSearchPath(url, schema), ...opts });
  return withCleanup(db, () => admin(url, `DROP SCHEMA ${schema} CASCADE`));
}

/** The connection string of `url` with its search_path set to `schema`. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withCleanup(db: Db, cleanup: () => Promise<void>): Db {
  return {
    kind: db.kind,
    capabilities: db.capabilities,
    query: (sql, params) => db.query(sql, params),
    transaction: (fn) => db.transaction(fn),
    close: async () => {
      try {
        await db.close();
      } finally {
        await cleanup();
      }
    },
  };
}
