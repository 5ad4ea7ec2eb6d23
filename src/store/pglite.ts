import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db, Queryable, QueryOptions, StoreCapabilities } from './db.ts';
import type { StoreLock } from './lock.ts';
import { PreparedStatements } from './pglite-prepared.ts';

/**
 * Db over PGlite (Postgres compiled to WASM, in this process). PGlite runs one statement at a time
 * and already serialises callers: every `query` and every `transaction` takes the same internal
 * transaction mutex, and a transaction holds it until COMMIT/ROLLBACK. So an outside query waits
 * for a running transaction instead of landing inside it. The flip side: inside `transaction(fn)`,
 * fn must use the `tx` it is given; awaiting `db.query` there would wait for itself forever.
 *
 * A query without parameters may hold several statements (migration files do); it then returns the
 * rows of the last one, as node-postgres does.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  /** pgvector is bundled with the embedded store, so it is always there. */
  readonly capabilities: StoreCapabilities = { vector: true };
  /** The lock that keeps other processes off these files; released by close(). */
  readonly lock: StoreLock | null;
  private readonly pg: PGlite;
  private readonly prepared: PreparedStatements;

  private constructor(pg: PGlite, lock: StoreLock | null) {
    this.pg = pg;
    this.lock = lock;
    this.prepared = new PreparedStatements(pg);
  }

  /**
   * `dir` is PGlite's own directory on disk, or `memory://` for a store that lives only in this
   * process. Whoever opens a directory must hold its lock (see lock.ts) and hands it over here.
   */
  static async open(dir: string, lock: StoreLock | null = null): Promise<PgliteDb> {
    // Loading pgvector costs little: medians of 7 opens went 177 → 191 ms for an existing store
    // and 1178 → 1218 ms for a new one in memory.
    const options = { extensions: { vector } };
    const pg = dir === 'memory://' ? new PGlite(options) : new PGlite(dir, options);
    await pg.waitReady;
    try {
      await pg.exec('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (err) {
      await pg.close();
      throw err;
    }
    return new PgliteDb(pg, lock);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    if (options?.prepare && params && params.length > 0 && this.prepared.accepts(sql)) return this.prepared.run<T>(sql, params, false);
    return run<T>(this.pg, sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) =>
      fn({
        query: <R>(sql: string, params?: unknown[], options?: QueryOptions) =>
          options?.prepare && params && params.length > 0 && this.prepared.accepts(sql) ? this.prepared.run<R>(sql, params, true) : run<R>(tx, sql, params),
      }),
    );
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      await this.lock?.release();
    }
  }
}

interface PgliteRunner {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<Array<{ rows: unknown[] }>>;
}

async function run<T>(target: PgliteRunner, sql: string, params?: unknown[]): Promise<T[]> {
  if (params && params.length > 0) return (await target.query<T>(sql, params)).rows;
  // The simple protocol accepts several statements; the extended one (used with parameters) does not.
  const results = await target.exec(sql);
  return (results.at(-1)?.rows ?? []) as T[];
}
