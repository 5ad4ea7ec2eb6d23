/**
 * The one database interface every area uses. Two implementations (PGlite embedded, PostgreSQL
 * server mode) run the same SQL and migrations, so nothing above this file knows which it has.
 *
 * Conventions: JSON values are passed as JSON text and cast in SQL (`$1::jsonb`); timestamps are
 * `timestamptz` and come back as Date; every table has `project_id`.
 */
import { sha256 } from '../core/ids.ts';

export interface QueryOptions {
  /**
   * Plan the statement once per connection and reuse the plan. For statements sent on every turn
   * whose best plan does not depend on the values (single-row writes, lookups by key); a statement
   * whose plan should follow its values (a LIMIT, a range) must not set it, as a generic plan can be
   * far slower for it.
   */
  prepare?: boolean;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]>;
}

/** What the database offers beyond the schema: found when the store is opened. */
export interface StoreCapabilities {
  /**
   * pgvector is installed and usable (`::vector`, `<=>`). Always on the embedded store; on
   * PostgreSQL only when the server has the extension. Vector search gives the same results
   * without it, by plain SQL.
   */
  vector: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly capabilities: StoreCapabilities;
  /** Runs fn in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const DEFAULT_PROJECT_ID = 'default';

const statementNames = new Map<string, string>();

/**
 * The name a prepared statement goes by on either store: derived from its text, so every
 * connection gives the same statement the same name. Remembered, since the hot statements are a
 * few dozen texts asked for on every turn.
 */
export function preparedName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `ap_${sha256(sql).slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}
