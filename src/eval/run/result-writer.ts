/**
 * Streams a run's case results to the store in small batches. One INSERT per result cost the
 * runner more than any evaluator (parse, plan and commit each time, on the embedded store in the
 * runner's own thread), so results are grouped into one statement per batch.
 *
 * When a batch is written matters as much as its size. On the embedded store a write holds the
 * runner's thread for a few milliseconds, and replies that arrive meanwhile wait; at high
 * concurrency replies arrive in bursts, so a write in the middle of one delays every case behind
 * it. A batch is therefore written once no result has arrived for `quietMs` (a gap between
 * bursts), or `maxDelayMs` after its first result if no gap comes, or at once when it holds
 * `maxRows`. A result is in the store at most `maxDelayMs` after its case finished; `close` writes
 * what is left, on success and on interruption alike, so only a crash loses the last moments.
 */
import type { Queryable } from '../../store/db.ts';
import { insertResults, type StoredResult } from './store.ts';

export interface ResultWriterOptions {
  maxRows?: number;
  maxDelayMs?: number;
  quietMs?: number;
}

export class ResultWriter {
  readonly #q: Queryable;
  readonly #projectId: string;
  readonly #runId: string;
  readonly #maxRows: number;
  readonly #maxDelayMs: number;
  readonly #quietMs: number;
  #buffer: StoredResult[] = [];
  #deadline: NodeJS.Timeout | null = null;
  #quiet: NodeJS.Timeout | null = null;
  /** The writes so far, one after another: a batch never overtakes the one before it. */
  #tail: Promise<void> = Promise.resolve();
  #pendingRows = 0;
  #error: unknown = null;

  constructor(q: Queryable, projectId: string, runId: string, opts: ResultWriterOptions = {}) {
    this.#q = q;
    this.#projectId = projectId;
    this.#runId = runId;
    this.#maxRows = opts.maxRows ?? 256;
    this.#maxDelayMs = opts.maxDelayMs ?? 250;
    this.#quietMs = opts.quietMs ?? 2;
  }

  /**
   * Queues a result. Throws the error of an earlier failed write, so a run stops at the first
   * result it could not keep. Resolves at once unless the store has fallen behind by several
   * batches; then it waits, so a slow store slows the run instead of filling memory.
   */
  async add(result: StoredResult): Promise<void> {
    if (this.#error) throw this.#error;
    this.#buffer.push(result);
    this.#pendingRows++;
    if (this.#buffer.length >= this.#maxRows) {
      this.#flush();
    } else {
      this.#deadline ??= setTimeout(() => this.#flush(), this.#maxDelayMs);
      if (this.#quiet) this.#quiet.refresh();
      else this.#quiet = setTimeout(() => this.#flush(), this.#quietMs);
    }
    if (this.#pendingRows > this.#maxRows * 4) await this.#tail;
    if (this.#error) throw this.#error;
  }

  /** Writes what is queued and waits for every write; throws if any of them failed. */
  async close(): Promise<void> {
    this.#flush();
    await this.#tail;
    if (this.#error) throw this.#error;
  }

  #flush(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    if (this.#quiet) clearTimeout(this.#quiet);
    this.#deadline = this.#quiet = null;
    if (this.#buffer.length === 0) return;
    const rows = this.#buffer;
    this.#buffer = [];
    this.#tail = this.#tail.then(async () => {
      if (this.#error) return;
      try {
        await insertResults(this.#q, this.#projectId, this.#runId, rows);
      } catch (err) {
        this.#error = err;
      } finally {
        this.#pendingRows -= rows.length;
      }
    });
  }
}
