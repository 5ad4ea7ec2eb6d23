import { ConflictError, InputError, NotFoundError } from '../core/errors.ts';
import type { Queryable } from '../store/db.ts';
import type { ApprovalView, Continuation, SessionState, TurnStatus } from './runtime/types.ts';

/** SQL for sessions, turns, messages and approvals. Every statement is scoped by project. */

export interface SessionRow {
  id: string;
  projectId: string;
  agentName: string;
  agentVersion: string;
  channel: string;
  state: SessionState;
  createdAt: Date;
}

export interface TurnRow {
  id: string;
  sessionId: string;
  seq: number;
  traceId: string;
  status: TurnStatus;
  input: string;
  output: string | null;
  error: string | null;
  continuation: Continuation | null;
  createdAt: Date;
}

type Raw = Record<string, any>;

const toSession = (r: Raw): SessionRow => ({
  id: r.id,
  projectId: r.project_id,
  agentName: r.agent_name,
  agentVersion: r.agent_version,
  channel: r.channel,
  state: r.state ?? {},
  createdAt: r.created_at,
});

const toTurn = (r: Raw): TurnRow => ({
  id: r.id,
  sessionId: r.session_id,
  seq: r.seq,
  traceId: r.trace_id,
  status: r.status,
  input: r.input,
  output: r.output,
  error: r.error,
  continuation: r.continuation ?? null,
  createdAt: r.created_at,
});

export const toApproval = (r: Raw): ApprovalView => ({
  id: r.id,
  sessionId: r.session_id,
  turnId: r.turn_id,
  action: r.action,
  arguments: r.arguments,
  status: r.status,
  decidedBy: r.decided_by,
  reason: r.reason,
  createdAt: new Date(r.created_at).toISOString(),
  decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
});

export async function insertSession(q: Queryable, s: Omit<SessionRow, 'createdAt' | 'state'>): Promise<SessionRow> {
  const rows = await q.query<Raw>(
    `INSERT INTO sessions (project_id, id, agent_name, agent_version, channel) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [s.projectId, s.id, s.agentName, s.agentVersion, s.channel],
    { prepare: true },
  );
  return toSession(rows[0]);
}

export async function getSession(q: Queryable, projectId: string, id: string): Promise<SessionRow> {
  const rows = await q.query<Raw>(`SELECT * FROM sessions WHERE project_id = $1 AND id = $2`, [projectId, id]);
  if (!rows[0]) throw new NotFoundError('session', id);
  return toSession(rows[0]);
}

/** The session and the last `turns` exchanges of its answered turns (oldest first), in one query. */
export async function getSessionWithHistory(
  q: Queryable,
  projectId: string,
  id: string,
  turns: number,
): Promise<{ session: SessionRow; history: { role: 'user' | 'assistant'; content: string }[] }> {
  const limit = turns * 2;
  // Messages of turns still waiting for approval are skipped; this many more are read to make up for them.
  const SLACK = 20;
  if (!Number.isInteger(limit) || limit < 0) throw new InputError(`history length must be a whole number ≥ 0, got ${turns}`, [{ path: 'historyTurns', message: 'expected a whole number ≥ 0' }]);
  const rows = await q.query<Raw>(
    `SELECT s.*, coalesce((
       SELECT json_agg(json_build_object('role', h.role, 'content', h.content) ORDER BY h.seq) FROM (
         SELECT m.role, m.content, m.seq FROM (
           SELECT * FROM messages
           WHERE session_id = s.id AND seq > (SELECT coalesce(max(seq), 0) FROM messages WHERE session_id = s.id) - ${limit + SLACK}
         ) m
         WHERE (SELECT t.status FROM turns t WHERE t.id = m.turn_id) IN ('completed', 'denied')
         ORDER BY m.seq DESC LIMIT ${limit}
       ) h
     ), '[]') AS history
     FROM sessions s WHERE s.project_id = $1 AND s.id = $2`,
    [projectId, id],
    // Planned once per history length. The newest messages are taken by a range of their
    // (contiguous) numbers, and only they are checked against their turn: the embedded store has no
    // autovacuum, so its statistics go stale, and a plan chosen on them would read every message of
    // a long session.
    { prepare: true },
  );
  if (!rows[0]) throw new NotFoundError('session', id);
  const history = typeof rows[0].history === 'string' ? JSON.parse(rows[0].history) : rows[0].history;
  return { session: toSession(rows[0]), history };
}

export async function listMessages(q: Queryable, projectId: string, sessionId: string): Promise<{ role: string; content: string; turnId: string; createdAt: Date }[]> {
  const rows = await q.query<Raw>(
    `SELECT role, content, turn_id, created_at FROM messages WHERE project_id = $1 AND session_id = $2 ORDER BY seq`,
    [projectId, sessionId],
  );
  return rows.map((r) => ({ role: r.role, content: r.content, turnId: r.turn_id, createdAt: r.created_at }));
}

export async function nextSeqs(q: Queryable, sessionId: string): Promise<{ turn: number; message: number }> {
  const rows = await q.query<Raw>(
    `SELECT (SELECT coalesce(max(seq), 0) FROM turns WHERE session_id = $1) AS turn,
            (SELECT coalesce(max(seq), 0) FROM messages WHERE session_id = $1) AS message`,
    [sessionId],
  );
  return { turn: Number(rows[0].turn) + 1, message: Number(rows[0].message) + 1 };
}

export async function completeTurn(
  q: Queryable,
  projectId: string,
  id: string,
  fields: { status: TurnStatus; output: string | null; error: string | null; continuation: Continuation | null },
): Promise<void> {
  await q.query(
    `UPDATE turns SET status = $3, output = $4, error = $5, continuation = $6::jsonb,
       completed_at = CASE WHEN $3 = 'awaiting_approval' THEN NULL ELSE now() END
     WHERE project_id = $1 AND id = $2`,
    [projectId, id, fields.status, fields.output, fields.error, fields.continuation ? JSON.stringify(fields.continuation) : null],
  );
}

export async function getTurn(q: Queryable, projectId: string, id: string): Promise<TurnRow> {
  const rows = await q.query<Raw>(`SELECT * FROM turns WHERE project_id = $1 AND id = $2`, [projectId, id]);
  if (!rows[0]) throw new NotFoundError('turn', id);
  return toTurn(rows[0]);
}

export async function insertMessage(
  q: Queryable,
  projectId: string,
  m: { id: string; sessionId: string; turnId: string; seq: number; role: 'user' | 'assistant'; content: string },
): Promise<void> {
  await q.query(
    `INSERT INTO messages (project_id, id, session_id, turn_id, seq, role, content) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [projectId, m.id, m.sessionId, m.turnId, m.seq, m.role, m.content],
  );
}

export async function insertApproval(
  q: Queryable,
  projectId: string,
  a: { id: string; sessionId: string; turnId: string; action: string; arguments: Record<string, unknown> },
): Promise<ApprovalView> {
  const rows = await q.query<Raw>(
    `INSERT INTO approvals (project_id, id, session_id, turn_id, action, arguments, status)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending') RETURNING *`,
    [projectId, a.id, a.sessionId, a.turnId, a.action, JSON.stringify(a.arguments)],
  );
  return toApproval(rows[0]);
}

export async function getApproval(q: Queryable, projectId: string, id: string): Promise<ApprovalView> {
  const rows = await q.query<Raw>(`SELECT * FROM approvals WHERE project_id = $1 AND id = $2`, [projectId, id]);
  if (!rows[0]) throw new NotFoundError('approval', id);
  return toApproval(rows[0]);
}

/** Records a decision once: a second decision on the same approval is a conflict, not an overwrite. */
export async function decideApproval(
  q: Queryable,
  projectId: string,
  id: string,
  d: { status: 'approved' | 'denied'; by: string | null; reason: string | null },
): Promise<ApprovalView> {
  const rows = await q.query<Raw>(
    `UPDATE approvals SET status = $3, decided_by = $4, reason = $5, decided_at = now()
     WHERE project_id = $1 AND id = $2 AND status = 'pending' RETURNING *`,
    [projectId, id, d.status, d.by, d.reason],
  );
  if (rows[0]) return toApproval(rows[0]);
  const existing = await getApproval(q, projectId, id);
  throw new ConflictError(`approval ${id} was already ${existing.status}`);
}

export async function approvalsForTurn(q: Queryable, projectId: string, turnId: string): Promise<ApprovalView[]> {
  const rows = await q.query<Raw>(`SELECT * FROM approvals WHERE project_id = $1 AND turn_id = $2 ORDER BY created_at, id`, [projectId, turnId]);
  return rows.map(toApproval);
}

export async function listApprovals(
  q: Queryable,
  projectId: string,
  filter: { status?: 'pending' | 'approved' | 'denied'; sessionId?: string; limit?: number },
): Promise<ApprovalView[]> {
  const rows = await q.query<Raw>(
    `SELECT * FROM approvals WHERE project_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR session_id = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [projectId, filter.status ?? null, filter.sessionId ?? null, filter.limit ?? 100],
  );
  return rows.map(toApproval);
}
