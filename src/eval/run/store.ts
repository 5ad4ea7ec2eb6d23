/**
 * Runs and their case results in the store. Results are written in small batches as cases finish,
 * so a run that stops part-way keeps its results and can be resumed; the summary lands when it ends.
 */
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Queryable } from '../../store/db.ts';
import type { CaseOutput, Score } from '../contracts.ts';
import { inCaseOrder, type CaseResult } from './aggregate.ts';
import type { RunSummary } from './summary.ts';

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

export interface RunRow {
  id: string;
  projectId: string;
  suiteName: string;
  suiteFile: string;
  suiteVersion: string;
  agentName: string;
  agentVersion: string;
  models: Record<string, string | null>;
  status: RunStatus;
  repeats: number;
  caseCount: number;
  config: Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date | null;
  summary: RunSummary | null;
}

type Raw = Record<string, any>;

export async function createRun(q: Queryable, run: Omit<RunRow, 'startedAt' | 'finishedAt' | 'summary' | 'status'>): Promise<RunRow> {
  const rows = await q.query<Raw>(
    `INSERT INTO eval_runs (project_id, id, suite_name, suite_file, suite_version, agent_name, agent_version, models, status, repeats, case_count, config)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'running', $9, $10, $11::jsonb) RETURNING *`,
    [run.projectId, run.id, run.suiteName, run.suiteFile, run.suiteVersion, run.agentName, run.agentVersion, JSON.stringify(run.models), run.repeats, run.caseCount, JSON.stringify(run.config)],
  );
  return toRun(rows[0]);
}

export async function getRun(q: Queryable, projectId: string, id: string): Promise<RunRow> {
  const rows = await q.query<Raw>(`SELECT * FROM eval_runs WHERE project_id = $1 AND id = $2`, [projectId, id]);
  if (!rows[0]) throw new NotFoundError('test run', id);
  return toRun(rows[0]);
}

/** The latest finished run of a suite before the given one: the default baseline. */
export async function previousRun(q: Queryable, projectId: string, suiteName: string, beforeRunId: string): Promise<RunRow | null> {
  const rows = await q.query<Raw>(
    `SELECT * FROM eval_runs WHERE project_id = $1 AND suite_name = $2 AND id <> $3 AND status = 'completed'
     ORDER BY started_at DESC LIMIT 1`,
    [projectId, suiteName, beforeRunId],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

export async function listRuns(q: Queryable, projectId: string, opts: { suite?: string; limit?: number } = {}): Promise<RunRow[]> {
  const rows = await q.query<Raw>(
    `SELECT * FROM eval_runs WHERE project_id = $1 AND ($2::text IS NULL OR suite_name = $2) ORDER BY started_at DESC LIMIT $3`,
    [projectId, opts.suite ?? null, opts.limit ?? 20],
  );
  return rows.map(toRun);
}

/** How many results each run has stored so far, in one query for any number of runs. */
export async function resultCounts(q: Queryable, projectId: string, runIds: string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ run_id: string; n: number }>(
    `SELECT run_id, count(*)::int AS n FROM eval_results WHERE project_id = $1 AND run_id = ANY($2::text[]) GROUP BY run_id`,
    [projectId, runIds],
  );
  return new Map(rows.map((r) => [r.run_id, r.n]));
}

export interface StoredResult extends CaseResult {
  output: CaseOutput;
}

/**
 * Writes results in one statement: the batch travels as a single JSON array, so the statement's
 * text is the same for any batch size and is prepared once per connection.
 */
export async function insertResults(q: Queryable, projectId: string, runId: string, rows: StoredResult[]): Promise<void> {
  const batch = rows.map((r) => ({
    case_id: r.caseId,
    repeat: r.repeat,
    passed: r.passed,
    root_cause: r.rootCause ? JSON.stringify(r.rootCause) : null,
    output: resultDetails(r),
    scores: r.scores,
    trace_ids: r.traceIds,
    latency_ms: r.latencyMs,
    cost_usd: r.costUsd,
  }));
  try {
    await q.query(
      `INSERT INTO eval_results (project_id, run_id, case_id, repeat, passed, root_cause, output, scores, trace_ids, latency_ms, cost_usd)
       SELECT $1, $2, r.case_id, r.repeat, r.passed, r.root_cause, r.output, r.scores, r.trace_ids, r.latency_ms, r.cost_usd
       FROM jsonb_to_recordset($3::jsonb) AS r(case_id text, repeat integer, passed boolean, root_cause text, output jsonb, scores jsonb,
                                              trace_ids text[], latency_ms double precision, cost_usd double precision)`,
      [projectId, runId, JSON.stringify(batch)],
      { prepare: true },
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      const detail = (err as { detail?: string }).detail;
      throw new ConflictError(`a case already has a result in run ${runId}${detail ? ` (${detail})` : ''}`);
    }
    throw err;
  }
}

/** What a result row keeps besides its columns: the output and the case facts the aggregates need. */
function resultDetails(r: StoredResult): Record<string, unknown> {
  return { output: r.output, topicExpected: r.expectedTopic !== undefined, expectedTopic: r.expectedTopic ?? null, topic: r.topic, tokens: r.tokens, tags: r.tags };
}

export async function resultsOf(q: Queryable, projectId: string, runId: string): Promise<StoredResult[]> {
  const rows = await q.query<Raw>(`SELECT * FROM eval_results WHERE project_id = $1 AND run_id = $2 ORDER BY case_id, repeat`, [projectId, runId]);
  return rows.map((row) => ({ ...toResult(row), output: (row.output as { output: CaseOutput }).output }));
}

/**
 * A run's results without their outputs, and their scores without reasons: what a summary, a gate
 * and a comparison need, as the runner keeps them. A resumed run starts from these. Evaluator
 * errors keep their text.
 */
export async function verdictsOf(q: Queryable, projectId: string, runId: string): Promise<CaseResult[]> {
  const rows = await q.query<Raw>(
    `SELECT case_id, repeat, passed, root_cause, latency_ms, cost_usd, trace_ids,
            (SELECT coalesce(jsonb_agg(s || '{"reason": ""}'::jsonb ORDER BY n), '[]'::jsonb)
               FROM jsonb_array_elements(scores) WITH ORDINALITY AS e(s, n)) AS scores,
            jsonb_build_object('topicExpected', output->'topicExpected', 'expectedTopic', output->'expectedTopic',
                               'topic', output->'topic', 'tokens', output->'tokens', 'tags', output->'tags') AS output
       FROM eval_results WHERE project_id = $1 AND run_id = $2`,
    [projectId, runId],
  );
  return rows.map(toResult).sort(inCaseOrder);
}

function toResult(row: Raw): CaseResult {
  const details = row.output as { topicExpected: boolean; expectedTopic: string | null; topic: string | null; tokens: number; tags: string[] };
  const cause = typeof row.root_cause === 'string' ? JSON.parse(row.root_cause) : row.root_cause;
  return {
    caseId: row.case_id,
    repeat: row.repeat,
    passed: row.passed,
    rootCause: cause ?? null,
    scores: row.scores as Score[],
    latencyMs: row.latency_ms,
    costUsd: row.cost_usd,
    tokens: details.tokens,
    expectedTopic: details.topicExpected ? details.expectedTopic : undefined,
    topic: details.topic,
    traceIds: row.trace_ids,
    tags: details.tags,
  };
}

export async function finishRun(q: Queryable, projectId: string, id: string, status: RunStatus, summary: RunSummary | null): Promise<void> {
  await q.query(
    `UPDATE eval_runs SET status = $3, finished_at = now(), summary = $4::jsonb WHERE project_id = $1 AND id = $2`,
    [projectId, id, status, summary ? JSON.stringify(summary) : null],
  );
}

function toRun(r: Raw): RunRow {
  return {
    id: r.id,
    projectId: r.project_id,
    suiteName: r.suite_name,
    suiteFile: r.suite_file,
    suiteVersion: r.suite_version,
    agentName: r.agent_name,
    agentVersion: r.agent_version,
    models: r.models,
    status: r.status,
    repeats: r.repeats,
    caseCount: r.case_count,
    config: r.config,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    summary: r.summary,
  };
}
