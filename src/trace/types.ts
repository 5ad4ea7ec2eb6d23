/**
 * The record of one turn. Span kinds follow the turn pipeline in DESIGN.md; attribute names for
 * model calls follow the OpenTelemetry GenAI conventions (`gen_ai.*`) so OTLP export is a mapping,
 * not a translation.
 */
import type { RagStages } from '../knowledge/grounding/stages.ts';

export type { RagStages };
export type SpanKind = 'turn' | 'guard' | 'route' | 'retrieve' | 'model' | 'tool' | 'approval' | 'respond';
export type SpanStatus = 'ok' | 'error' | 'pending';
export type TraceStatus = 'completed' | 'awaiting_approval' | 'failed' | 'denied';

export interface Span {
  id: string;
  traceId: string;
  parentId: string | null;
  kind: SpanKind;
  name: string;
  status: SpanStatus;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  /** `provider/model` for model spans. */
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  input: unknown;
  output: unknown;
  /** Free-form facts: topic and confidence on route, tool arguments, gen_ai.* on model calls. */
  attributes: Record<string, unknown>;
  error: string | null;
}

export interface Trace {
  id: string;
  projectId: string;
  sessionId: string | null;
  turnId: string | null;
  agentName: string;
  agentVersion: string;
  channel: string;
  status: TraceStatus;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  input: string;
  output: string | null;
  error: string | null;
  topic: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The six RAG stages, when the turn read knowledge. */
  stages: RagStages | null;
}

export interface TraceWithSpans extends Trace {
  spans: Span[];
}
