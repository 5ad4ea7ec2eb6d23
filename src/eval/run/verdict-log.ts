/**
 * The verdicts a run keeps while it goes on, for the summary, the gate and the comparison made
 * when it ends: numbers in typed columns, strings by reference or interned. With two evaluators
 * that is under 200 bytes per case, nearly all of it in array buffers outside the JavaScript
 * heap, where the same verdicts as objects take about 360 bytes of heap. What matters more is
 * where: V8 sizes its heap at a multiple of what stays alive on it, so objects kept for the whole
 * run cost several times their size in RSS, while a buffer costs its size once. Reasons are not
 * kept (the store has them); an evaluator error's text is.
 */
import type { Score } from '../contracts.ts';
import { inCaseOrder, type CaseResult } from './aggregate.ts';

/** A typed array that doubles when full; `fill` is what a row never set reads as. */
class Column<T extends Float64Array | Int32Array | Int8Array> {
  readonly #make: (n: number) => T;
  readonly #fill: number;
  #data: T;

  constructor(make: (n: number) => T, fill = 0) {
    this.#make = make;
    this.#fill = fill;
    this.#data = make(64);
    this.#data.fill(fill);
  }

  set(i: number, value: number): void {
    if (i >= this.#data.length) {
      const grown = this.#make(Math.max(this.#data.length * 2, i + 1));
      grown.fill(this.#fill);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[i] = value;
  }

  get(i: number): number {
    return i < this.#data.length ? this.#data[i] : this.#fill;
  }
}

const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);
const i8 = (n: number) => new Int8Array(n);

/** passed: -2 the evaluator gave no score on this row, -1 null, 0 false, 1 true. */
const ABSENT = -2;

interface MetricColumns {
  /** Where the metric comes in a row's scores: its order among the row's evaluators. */
  position: Column<Int8Array>;
  score: Column<Float64Array>;
  passed: Column<Int8Array>;
  threshold: Column<Float64Array>;
  errors: Map<number, string>;
}

export class VerdictLog {
  #rows = 0;
  readonly #caseIds: string[] = [];
  readonly #repeat = new Column(i32);
  readonly #passed = new Column(i8);
  readonly #latency = new Column(f64);
  readonly #cost = new Column(f64);
  readonly #tokens = new Column(f64);
  /** Interned: a run has few distinct topics, tag lists and expected topics. */
  readonly #strings: unknown[] = [];
  readonly #interned = new Map<unknown, number>();
  readonly #topic = new Column(i32);
  readonly #expectedTopic = new Column(i32);
  readonly #tags = new Column(i32);
  readonly #traceIds = new Map<number, string[]>();
  readonly #rootCauses = new Map<number, NonNullable<CaseResult['rootCause']>>();
  readonly #metrics = new Map<string, MetricColumns>();
  #passedCount = 0;
  #costUsd = 0;

  get size(): number {
    return this.#rows;
  }

  get passed(): number {
    return this.#passedCount;
  }

  get costUsd(): number {
    return this.#costUsd;
  }

  add(r: CaseResult): void {
    const i = this.#rows++;
    this.#caseIds.push(r.caseId);
    this.#repeat.set(i, r.repeat);
    this.#passed.set(i, r.passed ? 1 : 0);
    this.#latency.set(i, r.latencyMs);
    this.#cost.set(i, r.costUsd);
    this.#tokens.set(i, r.tokens);
    this.#topic.set(i, this.#intern(r.topic));
    this.#expectedTopic.set(i, this.#intern(r.expectedTopic));
    // Tag lists are the suite's own arrays, shared by every repeat of a case; interning by content
    // keeps one per distinct list even when a result was read back from the store.
    this.#tags.set(i, this.#intern(r.tags.join('\u0000')));
    if (r.traceIds.length) this.#traceIds.set(i, r.traceIds);
    if (r.rootCause) this.#rootCauses.set(i, r.rootCause);
    for (const [position, s] of r.scores.entries()) {
      const m = this.#metric(s.evaluator);
      m.position.set(i, position);
      m.score.set(i, s.score ?? Number.NaN);
      m.passed.set(i, s.passed === null ? -1 : s.passed ? 1 : 0);
      m.threshold.set(i, s.threshold);
      if (s.error !== undefined) m.errors.set(i, s.error);
    }
    if (r.passed) this.#passedCount++;
    this.#costUsd += r.costUsd;
  }

  /** Every verdict as a CaseResult (scores without reasons), in case order then repeat. */
  results(): CaseResult[] {
    const out: CaseResult[] = [];
    for (let i = 0; i < this.#rows; i++) out.push(this.#row(i));
    return out.sort(inCaseOrder);
  }

  #row(i: number): CaseResult {
    const scores: { at: number; score: Score }[] = [];
    for (const [evaluator, m] of this.#metrics) {
      const passed = m.passed.get(i);
      if (passed === ABSENT) continue;
      const score = m.score.get(i);
      const error = m.errors.get(i);
      scores.push({
        at: m.position.get(i),
        score: { evaluator, score: Number.isNaN(score) ? null : score, passed: passed === -1 ? null : passed === 1, threshold: m.threshold.get(i), reason: '', ...(error !== undefined ? { error } : {}) },
      });
    }
    const tags = this.#strings[this.#tags.get(i)] as string;
    return {
      caseId: this.#caseIds[i],
      repeat: this.#repeat.get(i),
      passed: this.#passed.get(i) === 1,
      rootCause: this.#rootCauses.get(i) ?? null,
      scores: scores.sort((a, b) => a.at - b.at).map((s) => s.score),
      latencyMs: this.#latency.get(i),
      costUsd: this.#cost.get(i),
      tokens: this.#tokens.get(i),
      expectedTopic: this.#strings[this.#expectedTopic.get(i)] as string | null | undefined,
      topic: this.#strings[this.#topic.get(i)] as string | null,
      traceIds: this.#traceIds.get(i) ?? [],
      tags: tags === '' ? [] : tags.split('\u0000'),
    };
  }

  #intern(value: unknown): number {
    let id = this.#interned.get(value);
    if (id === undefined) {
      id = this.#strings.push(value) - 1;
      this.#interned.set(value, id);
    }
    return id;
  }

  #metric(evaluator: string): MetricColumns {
    let m = this.#metrics.get(evaluator);
    if (!m) {
      m = { position: new Column(i8), score: new Column(f64), passed: new Column(i8, ABSENT), threshold: new Column(f64), errors: new Map() };
      this.#metrics.set(evaluator, m);
    }
    return m;
  }
}
