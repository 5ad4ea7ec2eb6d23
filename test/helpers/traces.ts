import { newId } from '../../src/core/ids.ts';
import { DEFAULT_PROJECT_ID } from '../../src/store/db.ts';
import type { Span, Trace, TraceWithSpans } from '../../src/trace/types.ts';

/**
 * A realistic finished turn: guard, route, a model step that calls a tool, a failing tool call,
 * and the respond step, all under one turn span.
 */
export function sampleTrace(over: Partial<Trace> = {}): TraceWithSpans {
  const id = over.id ?? newId('trc');
  const t0 = over.startedAt?.getTime() ?? Date.UTC(2026, 0, 15, 9, 30, 0);
  const at = (ms: number) => new Date(t0 + ms);
  const span = (s: Partial<Span> & Pick<Span, 'kind' | 'name'>, from: number, to: number): Span => ({
    id: newId('spn'),
    traceId: id,
    parentId: null,
    status: 'ok',
    startedAt: at(from),
    endedAt: at(to),
    durationMs: to - from,
    model: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    input: null,
    output: null,
    attributes: {},
    error: null,
    ...s,
  });
  const root = span({ kind: 'turn', name: 'turn', input: { utterance: 'where is my order A1?' } }, 0, 950);
  const spans = [
    root,
    span({ kind: 'guard', name: 'guard input', parentId: root.id }, 1, 3),
    span({ kind: 'route', name: 'route', parentId: root.id, attributes: { topic: 'order_status', confidence: 0.9312 } }, 3, 15),
    span(
      {
        kind: 'model', name: 'answer step 1', parentId: root.id, model: 'openai/gpt-4o-mini', inputTokens: 120, outputTokens: 30, costUsd: 0.000036,
        output: { text: '', toolCalls: [{ name: 'lookup_order' }] }, attributes: { 'gen_ai.request.model': 'gpt-4o-mini' },
      },
      15, 600,
    ),
    span({ kind: 'tool', name: 'lookup_order', parentId: root.id, input: { orderId: 'A1' }, attributes: { 'tool.name': 'lookup_order' } }, 600, 640),
    span({ kind: 'tool', name: 'notify_customer', parentId: root.id, status: 'error', input: { orderId: 'A1' }, error: 'webhook answered 500' }, 640, 700),
    span({ kind: 'model', name: 'answer step 2', parentId: root.id, model: 'openai/gpt-4o-mini', inputTokens: 200, outputTokens: 40, costUsd: 0.000054 }, 700, 940),
    span({ kind: 'respond', name: 'respond', parentId: root.id }, 940, 950),
  ];
  return {
    id,
    projectId: DEFAULT_PROJECT_ID,
    sessionId: null,
    turnId: null,
    agentName: 'support',
    agentVersion: 'v1a2b3c',
    channel: 'cli',
    status: 'completed',
    startedAt: at(0),
    endedAt: at(950),
    durationMs: 950,
    input: 'where is my order A1?',
    output: 'Your order A1 shipped yesterday.',
    error: null,
    topic: 'order_status',
    inputTokens: 320,
    outputTokens: 70,
    costUsd: 0.00009,
    stages: null,
    ...over,
    spans,
  };
}

export function withoutSpans({ spans: _spans, ...trace }: TraceWithSpans): Trace {
  return trace;
}
