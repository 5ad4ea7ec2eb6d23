import { NotFoundError } from '../core/errors.ts';
import type { Queryable } from '../store/db.ts';
import type { Span, Trace, TraceStatus, TraceWithSpans } from './types.ts';

/**
 * SQL for traces and spans. Writers take a Queryable so the runtime can write a turn's trace inside
 * the turn's transaction; spans are append-only, written in multi-row batches.
 */

type Row = Record<string, any>;

const SPAN_COLUMNS = [
  'id', 'trace_id', 'parent_id', 'kind', 'name', 'status', 'started_at', 'ended_at', 'duration_ms', 'model',
  'input_tokens', 'output_tokens', 'cost_usd', 'input', 'output', 'attributes', 'error',
] as const;
const SPAN_CASTS = [
  'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'timestamptz', 'float8', 'text',
  'int4', 'int4', 'float8', 'jsonb', 'jsonb', 'jsonb', 'text',
] as const;
/** Postgres takes at most 65535 parameters per statement. */
const SPANS_PER_INSERT = Math.floor(65_535 / SPAN_COLUMNS.length);

export async function insertTrace(q: Queryable, trace: Trace, spans: Span[]): Promise<void> {
  await q.query(
    `INSERT INTO traces (project_id, id, session_id, turn_id, agent_name, agent_version, channel, status, started_at, ended_at,
       duration_ms, input, output, error, topic, input_tokens, output_tokens, cost_usd)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [
      trace.projectId, trace.id, trace.sessionId, trace.turnId, trace.agentName, trace.agentVersion, trace.channel, trace.status,
      trace.startedAt, trace.endedAt, trace.durationMs, trace.input, trace.output, trace.error, trace.topic,
      trace.inputTokens, trace.outputTokens, trace.costUsd,
    ],
  );
  await appendSpans(q, spans);
}

/**
 * Adds spans to existing traces (a resumed turn appends to its trace). Each span takes its project
 * from its trace, so a span can never land in another project than its trace.
 */
export async function appendSpans(q: Queryable, spans: Span[]): Promise<void> {
  for (let start = 0; start < spans.length; start += SPANS_PER_INSERT) {
    const batch = spans.slice(start, start + SPANS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = batch.map((s, ord) => {
      params.push(
        s.id, s.traceId, s.parentId, s.kind, s.name, s.status, s.startedAt, s.endedAt, s.durationMs, s.model,
        s.inputTokens, s.outputTokens, s.costUsd, json(s.input), json(s.output), JSON.stringify(s.attributes ?? {}), s.error,
      );
      const base = params.length - SPAN_COLUMNS.length;
      return `(${ord}, ${SPAN_CASTS.map((cast, i) => `$${base + i + 1}::${cast}`).join(', ')})`;
    });
    const inserted = await q.query<{ trace_id: string }>(
      // seq continues each trace's numbering, so a resumed turn's spans sort after the earlier ones
      // even when timestamps (millisecond precision) tie.
      `INSERT INTO spans (project_id, seq, ${SPAN_COLUMNS.join(', ')})
       SELECT t.project_id,
              coalesce((SELECT max(s.seq) FROM spans s WHERE s.trace_id = v.trace_id), 0) + row_number() OVER (PARTITION BY v.trace_id ORDER BY v.ord),
              ${SPAN_COLUMNS.map((c) => `v.${c}`).join(', ')}
       FROM (VALUES ${tuples.join(', ')}) AS v(ord, ${SPAN_COLUMNS.join(', ')})
       JOIN traces t ON t.id = v.trace_id
       RETURNING trace_id`,
      params,
    );
    if (inserted.length !== batch.length) {
      const found = new Set(inserted.map((r) => r.trace_id));
      const missing = batch.find((s) => !found.has(s.traceId));
      // A statement that inserted fewer rows than asked still inserted some: fail so the caller's
      // transaction rolls them back rather than keep a partial trace.
      throw new NotFoundError('trace', missing?.traceId ?? batch[0].traceId);
    }
  }
}

export interface FinishTraceFields {
  status: TraceStatus;
  endedAt: Date;
  /** Defaults to endedAt minus the trace's startedAt. */
  durationMs?: number;
  output?: string | null;
  error?: string | null;
  topic?: string | null;
  /** Totals over every span of the trace, including spans of earlier (suspended) parts of the turn. */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export async function finishTrace(q: Queryable, traceId: string, fields: FinishTraceFields): Promise<void> {
  const rows = await q.query(
    `UPDATE traces SET
       status = $2,
       ended_at = $3::timestamptz,
       duration_ms = COALESCE($4::float8, EXTRACT(EPOCH FROM ($3::timestamptz - started_at)) * 1000),
       output = CASE WHEN $5::boolean THEN $6::text ELSE output END,
       error = CASE WHEN $7::boolean THEN $8::text ELSE error END,
       topic = CASE WHEN $9::boolean THEN $10::text ELSE topic END,
       input_tokens = $11,
       output_tokens = $12,
       cost_usd = $13
     WHERE id = $1
     RETURNING id`,
    [
      traceId, fields.status, fields.endedAt, fields.durationMs ?? null,
      fields.output !== undefined, fields.output ?? null,
      fields.error !== undefined, fields.error ?? null,
      fields.topic !== undefined, fields.topic ?? null,
      fields.inputTokens, fields.outputTokens, fields.costUsd,
    ],
  );
  if (rows.length === 0) throw new NotFoundError('trace', traceId);
}

export async function getTrace(q: Queryable, projectId: string, id: string): Promise<TraceWithSpans> {
  const traces = await q.query<Row>(`SELECT * FROM traces WHERE project_id = $1 AND id = $2`, [projectId, id]);
  if (!traces[0]) throw new NotFoundError('trace', id);
  const spans = await q.query<Row>(`SELECT * FROM spans WHERE project_id = $1 AND trace_id = $2 ORDER BY seq`, [projectId, id]);
  return { ...toTrace(traces[0]), spans: spans.map(toSpan) };
}

export interface ListTracesOptions {
  limit?: number;
  agentName?: string;
  sessionId?: string;
  status?: TraceStatus;
  /** Only traces started before this instant: the next page after a trace is `before: itsStartedAt`. */
  before?: Date;
}

/** Latest traces first. */
export async function listTraces(q: Queryable, projectId: string, opts: ListTracesOptions = {}): Promise<Trace[]> {
  const where = ['project_id = $1'];
  const params: unknown[] = [projectId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (opts.agentName !== undefined) add('agent_name = ?', opts.agentName);
  if (opts.sessionId !== undefined) add('session_id = ?', opts.sessionId);
  if (opts.status !== undefined) add('status = ?', opts.status);
  if (opts.before !== undefined) add('started_at < ?', opts.before);
  params.push(opts.limit ?? 20);
  const rows = await q.query<Row>(
    `SELECT * FROM traces WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toTrace);
}

function toTrace(r: Row): Trace {
  return {
    id: r.id,
    projectId: r.project_id,
    sessionId: r.session_id,
    turnId: r.turn_id,
    agentName: r.agent_name,
    agentVersion: r.agent_version,
    channel: r.channel,
    status: r.status,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    input: r.input,
    output: r.output,
    error: r.error,
    topic: r.topic,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
  };
}

function toSpan(r: Row): Span {
  return {
    id: r.id,
    traceId: r.trace_id,
    parentId: r.parent_id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    model: r.model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
    input: r.input,
    output: r.output,
    attributes: r.attributes ?? {},
    error: r.error,
  };
}

/** A trace as it arrives over HTTP (dates as ISO strings) back into the typed shape. */
export function traceFromJson(value: Record<string, any>): Trace {
  return {
    ...(value as Trace),
    startedAt: new Date(value.startedAt),
    endedAt: value.endedAt ? new Date(value.endedAt) : null,
  };
}

export function traceWithSpansFromJson(value: Record<string, any>): TraceWithSpans {
  return {
    ...traceFromJson(value),
    spans: (value.spans as Record<string, any>[]).map((s) => ({
      ...(s as Span),
      startedAt: new Date(s.startedAt),
      endedAt: s.endedAt ? new Date(s.endedAt) : null,
    })),
  };
}

/** `undefined` and `null` are stored as SQL NULL; everything else as its JSON text. */
function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
