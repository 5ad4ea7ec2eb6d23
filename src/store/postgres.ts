import pg from 'pg';
import { preparedName, type Db, type Queryable, type QueryOptions, type StoreCapabilities } from './db.ts';

const INT8_OID = 20;

/**
 * Per-pool type parsing, so importing us never changes the global parsers of the application's own
 * `pg` use. timestamptz → Date and json/jsonb → parsed value are node-postgres defaults already;
 * int8 (what count(*) and sum(integer) return) comes back as a number, as it does on PGlite, so
 * callers see the same values on both stores. Our counts stay far below 2^53.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Db over a PostgreSQL server through a pool. A transaction takes one client for its whole life so
 * its statements run on one connection; other callers keep using the rest of the pool meanwhile.
 *
 * A query without parameters may hold several statements (migration files do); it then returns the
 * rows of the last one.
 */
export class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  /** A server arbitrates between processes itself: nothing to lock. */
  readonly lock = null;
  private readonly pool: pg.Pool;
  private vector = false;

  constructor(connectionString: string, opts: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString, types, max: opts.max ?? 10 });
    // An idle client losing its connection (server restart) must not crash the process; the pool
    // drops it and the next query opens a fresh one.
    this.pool.on('error', () => {});
  }

  /** Nothing until detectCapabilities() has run (openStore runs it). */
  get capabilities(): StoreCapabilities {
    return { vector: this.vector };
  }

  /**
   * Finds what the server offers. pgvector is created when the server has it and we are allowed
   * to; when it is missing, not permitted or installed in a schema off our search_path, vector
   * search runs in plain SQL instead, so none of those fails the open.
   */
  async detectCapabilities(): Promise<StoreCapabilities> {
    const probe = () => this.pool.query<{ available: boolean; usable: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available, to_regtype('vector') IS NOT NULL AS usable`,
    );
    let [found] = (await probe()).rows;
    if (found.available && !found.usable) {
      try {
        await this.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch {
        // No privilege, or another process created it first: the probe below says which.
      }
      [found] = (await probe()).rows;
    }
    this.vector = found.usable;
    return this.capabilities;
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    return run<T>(this.pool, sql, params, options);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn({ query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => run<R>(client, sql, params, options) });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection itself failed: give it back destroyed rather than reuse it.
        broken = rollbackErr;
      }
      throw err;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

async function run<T>(target: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
  // node-postgres prepares a named statement once on each connection and reuses it there.
  const result = (options?.prepare && params && params.length > 0
    ? await target.query({ name: preparedName(sql), text: sql, values: params })
    : await target.query(sql, params && params.length > 0 ? params : undefined)) as pg.QueryResult | pg.QueryResult[];
  const last = Array.isArray(result) ? result.at(-1) : result;
  return (last?.rows ?? []) as T[];
}
