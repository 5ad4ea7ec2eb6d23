import { NotFoundError } from '../core/errors.ts';
import type { Queryable } from '../store/db.ts';
import type { RagStages, Span, Trace, TraceStatus, TraceWithSpans } from './types.ts';

/**
 * SQL for traces and spans. Writers take a Queryable so the runtime can write a turn's trace inside
 * the turn's transaction; spans are append-only, written in multi-row batches.
 */

type Row = Record<string, any>;

const TRACE_COLUMNS = `project_id, id, session_id, turn_id, agent_name, agent_version, channel, status, started_at, ended_at,
  duration_ms, input, output, error, topic, input_tokens, output_tokens, cost_usd, stages`;

/** The trace row's INSERT with its parameters numbered from `$first`. */
export function traceInsert(trace: Trace, first: number): { sql: string; params: unknown[] } {
  const params = [
    trace.projectId, trace.id, trace.sessionId, trace.turnId, trace.agentName, trace.agentVersion, trace.channel, trace.status,
    trace.startedAt, trace.endedAt, trace.durationMs, trace.input, trace.output, trace.error, trace.topic,
    trace.inputTokens, trace.outputTokens, trace.costUsd, trace.stages ? JSON.stringify(trace.stages) : null,
  ];
  const values = params.map((_, i) => `$${first + i}`).join(', ');
  return { sql: `INSERT INTO traces (${TRACE_COLUMNS}) VALUES (${values})`, params };
}

/**
 * The spans' INSERT from one jsonb parameter (`$param`): one statement whatever the number of spans,
 * and the database parses the rows instead of binding 17 parameters per span. `seq` continues each
 * trace's numbering, so a resumed turn's spans sort after the earlier ones even when timestamps
 * (millisecond precision) tie. The project comes from `project` (an SQL expression) or, when null,
 * from the span's trace — which must then already exist.
 */
export function spansInsert(spans: Span[], param: number, project: string | null): { sql: string; params: unknown[] } {
  const rows = spans.map((s, ord) => ({
    ord,
    id: s.id,
    trace_id: s.traceId,
    parent_id: s.parentId,
    kind: s.kind,
    name: s.name,
    status: s.status,
    started_at: s.startedAt.toISOString(),
    ended_at: s.endedAt?.toISOString() ?? null,
    duration_ms: s.durationMs,
    model: s.model,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    cost_usd: s.costUsd,
    input: s.input ?? null,
    output: s.output ?? null,
    attributes: s.attributes ?? {},
    error: s.error,
  }));
  const sql = `INSERT INTO spans (project_id, seq, id, trace_id, parent_id, kind, name, status, started_at, ended_at, duration_ms, model,
      input_tokens, output_tokens, cost_usd, input, output, attributes, error)
    SELECT ${project ?? 't.project_id'},
      coalesce((SELECT max(x.seq) FROM spans x WHERE x.trace_id = s.trace_id), 0) + row_number() OVER (PARTITION BY s.trace_id ORDER BY s.ord),
      s.id, s.trace_id, s.parent_id, s.kind, s.name, s.status, s.started_at, s.ended_at, s.duration_ms, s.model,
      s.input_tokens, s.output_tokens, s.cost_usd, s.input, s.output, coalesce(s.attributes, '{}'::jsonb), s.error
    FROM jsonb_to_recordset($${param}::jsonb) AS s(ord int, id text, trace_id text, parent_id text, kind text, name text, status text,
      started_at timestamptz, ended_at timestamptz, duration_ms float8, model text, input_tokens int, output_tokens int, cost_usd float8,
      input jsonb, output jsonb, attributes jsonb, error text)
    ${project ? '' : 'JOIN traces t ON t.id = s.trace_id'}
    RETURNING trace_id`;
  return { sql, params: [JSON.stringify(rows)] };
}

/** A trace and its spans in one statement. */
export async function insertTrace(q: Queryable, trace: Trace, spans: Span[]): Promise<void> {
  const row = traceInsert(trace, 1);
  if (spans.length === 0) {
    await q.query(row.sql, row.params);
    return;
  }
  const own = spans.find((s) => s.traceId !== trace.id);
  if (own) throw new NotFoundError('trace', own.traceId);
  const sp = spansInsert(spans, row.params.length + 1, '$1');
  await q.query(`WITH trace AS (${row.sql}) ${sp.sql}`, [...row.params, ...sp.params]);
}

/**
 * Adds spans to existing traces (a resumed turn appends to its trace). Each span takes its project
 * from its trace, so a span can never land in another project than its trace.
 */
export async function appendSpans(q: Queryable, spans: Span[]): Promise<void> {
  if (spans.length === 0) return;
  const sp = spansInsert(spans, 1, null);
  const inserted = await q.query<{ trace_id: string }>(sp.sql, sp.params);
  if (inserted.length !== spans.length) {
    const found = new Set(inserted.map((r) => r.trace_id));
    const missing = spans.find((s) => !found.has(s.traceId));
    // The statement inserted the spans of the traces that exist: fail so the caller's transaction
    // rolls them back rather than keep a partial trace.
    throw new NotFoundError('trace', missing?.traceId ?? spans[0].traceId);
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
  /** Replaces the stages when given (a resumed turn answers again). */
  stages?: RagStages | null;
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
       cost_usd = $13,
       stages = CASE WHEN $14::boolean THEN $15::jsonb ELSE stages END
     WHERE id = $1
     RETURNING id`,
    [
      traceId, fields.status, fields.endedAt, fields.durationMs ?? null,
      fields.output !== undefined, fields.output ?? null,
      fields.error !== undefined, fields.error ?? null,
      fields.topic !== undefined, fields.topic ?? null,
      fields.inputTokens, fields.outputTokens, fields.costUsd,
      fields.stages !== undefined, fields.stages ? JSON.stringify(fields.stages) : null,
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
    stages: r.stages ?? null,
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

