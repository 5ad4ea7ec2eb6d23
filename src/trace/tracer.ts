import { newId } from '../core/ids.ts';
import type { Span, SpanKind, SpanStatus } from './types.ts';

export interface SpanEnd {
  status?: SpanStatus;
  output?: unknown;
  attributes?: Record<string, unknown>;
  model?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  error?: string | null;
}

export interface OpenSpan {
  readonly id: string;
  /** Adds facts while the span runs (e.g. the topic once routing is done). */
  set(attributes: Record<string, unknown>): void;
  end(result?: SpanEnd): Span;
  /** Ends the span as failed with the error's message. */
  fail(err: unknown, result?: SpanEnd): Span;
}

/**
 * Collects the spans of one turn in memory; the runtime writes them with the rest of the turn in one
 * transaction, so a trace is never half-written. The trace row itself is the turn's root; a resumed
 * turn gets a tracer seeded with its trace id, and only its new spans are appended.
 */
export class TurnTracer {
  readonly traceId: string;
  private readonly spans: { order: number; span: Span }[] = [];
  private started = 0;
  private readonly clock: () => number;

  constructor(opts: { traceId?: string; clock?: () => number } = {}) {
    this.traceId = opts.traceId ?? newId('trc');
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
  }

  /** Spans finished so far, in the order they started. */
  get finished(): Span[] {
    return [...this.spans].sort((a, b) => a.order - b.order).map((s) => s.span);
  }

  now(): number {
    return this.clock();
  }

  start(kind: SpanKind, name: string, input?: unknown, parentId: string | null = null): OpenSpan {
    const id = newId('spn');
    const order = this.started++;
    const startMs = this.clock();
    const attributes: Record<string, unknown> = {};
    let ended: Span | null = null;
    const finish = (status: SpanStatus, result: SpanEnd): Span => {
      if (ended) return ended;
      const endMs = this.clock();
      Object.assign(attributes, result.attributes);
      ended = {
        id,
        traceId: this.traceId,
        parentId,
        kind,
        name,
        status,
        startedAt: new Date(startMs),
        endedAt: new Date(endMs),
        durationMs: round3(endMs - startMs),
        model: result.model ?? null,
        inputTokens: result.inputTokens ?? 0,
        outputTokens: result.outputTokens ?? 0,
        costUsd: result.costUsd ?? 0,
        input: input ?? null,
        output: result.output ?? null,
        attributes,
        error: result.error ?? null,
      };
      this.spans.push({ order, span: ended });
      return ended;
    };
    return {
      id,
      set: (attrs) => Object.assign(attributes, attrs),
      end: (result = {}) => finish(result.status ?? 'ok', result),
      fail: (err, result = {}) => finish('error', { ...result, error: err instanceof Error ? err.message : String(err) }),
    };
  }

  totals(): { inputTokens: number; outputTokens: number; costUsd: number } {
    let inputTokens = 0;
    let outputTokens = 0;
    let costUsd = 0;
    for (const { span: s } of this.spans) {
      inputTokens += s.inputTokens;
      outputTokens += s.outputTokens;
      costUsd += s.costUsd;
    }
    return { inputTokens, outputTokens, costUsd };
  }
}

export function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
