import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import { preparedName } from './db.ts';

/**
 * Named prepared statements on PGlite. PGlite's own `query` parses and plans every statement anew;
 * planning the turn's write or a BM25 search costs as much as running it on a small store. A named
 * statement is parsed once per store and PostgreSQL's plan cache then reuses a generic plan, so the
 * statements the runtime sends on every turn are planned once. The steps mirror PGlite's `query`
 * (bind, describe, execute, sync; values serialised and rows parsed with the instance's own type
 * maps), so results are the same.
 */

/** Distinct statements kept prepared; others run unnamed (statement texts are nearly all static). */
const MAX_PREPARED = 500;

interface Prepared {
  name: string;
  /** Parameter type oids, from describing the statement. */
  types: number[];
}

export class PreparedStatements {
  private readonly pg: PGlite;
  private readonly byText = new Map<string, Prepared>();

  constructor(pg: PGlite) {
    this.pg = pg;
  }

  /** Whether `sql` can be run through run(): when there is room, or it is prepared already. */
  accepts(sql: string): boolean {
    return this.byText.has(sql) || this.byText.size < MAX_PREPARED;
  }

  /**
   * Runs a parameterised statement. `inTransaction`: the caller holds the store's transaction (its
   * queries take only the query lock, and the files are synced at COMMIT rather than now).
   */
  async run<T>(sql: string, params: unknown[], inTransaction: boolean): Promise<T[]> {
    const go = () => this.pg.runExclusive(() => this.execute<T>(sql, params, inTransaction));
    try {
      return await (inTransaction ? go() : this.pg._runExclusiveTransaction(go));
    } catch (err) {
      // A table changed under a `SELECT *` prepared before: prepare it again, once.
      if (!isStalePlan(err)) throw err;
      await this.forget(sql);
      return inTransaction ? go() : this.pg._runExclusiveTransaction(go);
    }
  }

  private async forget(sql: string): Promise<void> {
    const statement = this.byText.get(sql);
    if (!statement) return;
    this.byText.delete(sql);
    await this.pg.runExclusive(async () => {
      await this.pg.execProtocolStream(protocol.serialize.close({ type: 'S', name: statement.name }), { syncToFs: false });
      await this.pg.execProtocolStream(protocol.serialize.sync(), { syncToFs: false });
    });
  }

  private async execute<T>(sql: string, params: unknown[], inTransaction: boolean): Promise<T[]> {
    const send = (message: Uint8Array) => this.pg.execProtocolStream(message, { syncToFs: false });
    const messages = [];
    try {
      const statement = this.byText.get(sql) ?? (await this.prepare(sql, send));
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serialize = this.pg.serializers[statement.types[i]];
        return serialize ? serialize(value) : String(value);
      });
      messages.push(
        ...(await send(protocol.serialize.bind({ statement: statement.name, values }))),
        ...(await send(protocol.serialize.describe({ type: 'P' }))),
        ...(await send(protocol.serialize.execute({}))),
      );
    } finally {
      messages.push(...(await send(protocol.serialize.sync())));
    }
    if (!inTransaction) await this.pg.syncToFs();
    return parse.parseResults(messages, this.pg.parsers)[0].rows as T[];
  }

  private async prepare(sql: string, send: (message: Uint8Array) => Promise<unknown[]>): Promise<Prepared> {
    const name = preparedName(sql);
    await send(protocol.serialize.parse({ name, text: sql }));
    const described = await send(protocol.serialize.describe({ type: 'S', name }));
    const prepared = { name, types: parse.parseDescribeStatementResults(described as never) };
    this.byText.set(sql, prepared);
    return prepared;
  }
}

function isStalePlan(err: unknown): boolean {
  return err instanceof Error && (err as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(err.message);
}
