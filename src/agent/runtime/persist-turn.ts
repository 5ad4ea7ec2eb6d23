import { newId } from '../../core/ids.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import { appendSpans, finishTrace, spansInsert, traceInsert } from '../../trace/store.ts';
import {
  approvalsForTurn,
  completeTurn,
  insertApproval,
  insertMessage,
  nextSeqs,
  toApproval,
  type SessionRow,
  type TurnRow,
} from '../session-store.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import type { TurnContext, TurnOutcome } from './turn.ts';
import type { ApprovalView } from './types.ts';

/** Messages of failed turns are not kept: the next turn's history holds only answered exchanges. */
const keepsMessages = (status: TurnOutcome['status']) => status !== 'failed';

/**
 * Writes a new turn — the turn, its messages, approvals, trace and spans, and the session's state —
 * as one statement: atomic without an explicit transaction, and one round trip to the store.
 */
export async function persistNewTurn(
  ctx: TurnContext,
  t: { agent: PreparedAgent; session: SessionRow; turnId: string; tracer: TurnTracer; startMs: number; utterance: string; channel: string; topic: string | null; outcome: TurnOutcome },
): Promise<{ approvals: ApprovalView[] }> {
  const { projectId } = ctx;
  const { outcome, tracer, session } = t;
  const endMs = tracer.now();
  const calls = outcome.paused?.calls ?? [];
  const approvalIds = calls.map(() => newId('apr'));
  const continuation = outcome.paused ? outcome.paused.continuation(approvalIds) : null;
  const paused = outcome.status === 'awaiting_approval';
  const messages: { id: string; ord: number; role: string; content: string }[] = [];
  if (keepsMessages(outcome.status)) {
    messages.push({ id: newId('msg'), ord: 1, role: 'user', content: t.utterance });
    if (!paused && outcome.reply !== null) messages.push({ id: newId('msg'), ord: 2, role: 'assistant', content: outcome.reply });
  }
  const params: unknown[] = [
    projectId, session.id, t.turnId, tracer.traceId, outcome.status, t.utterance, outcome.reply, outcome.error,
    continuation ? JSON.stringify(continuation) : null,
    JSON.stringify(messages),
    JSON.stringify(calls.map((c, i) => ({ id: approvalIds[i], action: c.name, arguments: c.args }))),
    JSON.stringify(outcome.state),
    outcome.status !== 'failed',
  ];
  const trace = traceInsert(
    {
      id: tracer.traceId,
      projectId,
      sessionId: session.id,
      turnId: t.turnId,
      agentName: t.agent.definition.name,
      agentVersion: t.agent.version,
      channel: t.channel,
      status: outcome.status,
      startedAt: new Date(t.startMs),
      endedAt: paused ? null : new Date(endMs),
      durationMs: paused ? null : Math.round((endMs - t.startMs) * 1000) / 1000,
      input: t.utterance,
      output: outcome.reply,
      error: outcome.error,
      topic: t.topic,
      stages: outcome.stages,
      ...tracer.totals(),
    },
    params.length + 1,
  );
  params.push(...trace.params);
  const spans = spansInsert(tracer.finished, params.length + 1, '$1');
  params.push(...spans.params);
  // Sibling statements of one WITH see the same snapshot, but foreign keys are checked at the end of
  // the statement, so messages and approvals may point at the turn inserted beside them.
  const rows = await ctx.db.query<Record<string, unknown>>(
    `WITH seq AS (
       SELECT (SELECT coalesce(max(seq), 0) FROM turns WHERE session_id = $2) + 1 AS turn_seq,
              (SELECT coalesce(max(seq), 0) FROM messages WHERE session_id = $2) AS msg_base
     ),
     turn AS (
       INSERT INTO turns (project_id, id, session_id, seq, trace_id, status, input, output, error, continuation, completed_at)
       SELECT $1, $3, $2, seq.turn_seq, $4, $5, $6, $7, $8, $9::jsonb, CASE WHEN $5 = 'awaiting_approval' THEN NULL ELSE now() END FROM seq
     ),
     msgs AS (
       INSERT INTO messages (project_id, id, session_id, turn_id, seq, role, content)
       SELECT $1, m.id, $2, $3, seq.msg_base + m.ord, m.role, m.content
       FROM seq, jsonb_to_recordset($10::jsonb) AS m(id text, ord int, role text, content text)
     ),
     apr AS (
       INSERT INTO approvals (project_id, id, session_id, turn_id, action, arguments, status)
       SELECT $1, a.id, $2, $3, a.action, a.arguments, 'pending' FROM jsonb_to_recordset($11::jsonb) AS a(id text, action text, arguments jsonb)
       RETURNING *
     ),
     sess AS (UPDATE sessions SET state = $12::jsonb, updated_at = now() WHERE project_id = $1 AND id = $2 AND $13::boolean),
     trace AS (${trace.sql}),
     spans AS (${spans.sql})
     SELECT * FROM apr`,
    params,
    // Sent on every turn, and every part of it is a lookup by key: one plan per store.
    { prepare: true },
  );
  const byId = new Map(rows.map((r) => [r.id, toApproval(r)]));
  return { approvals: approvalIds.map((id) => byId.get(id)!) };
}

export async function persistResumedTurn(
  ctx: TurnContext,
  t: { agent: PreparedAgent; session: SessionRow; turn: TurnRow; tracer: TurnTracer; outcome: TurnOutcome },
): Promise<{ approvals: ApprovalView[] }> {
  const { projectId } = ctx;
  const { outcome, tracer, turn } = t;
  const approvalIds = outcome.paused?.calls.map(() => newId('apr')) ?? [];
  const continuation = outcome.paused ? outcome.paused.continuation(approvalIds) : null;
  return ctx.db.transaction(async (tx) => {
    await completeTurn(tx, projectId, turn.id, { status: outcome.status, output: outcome.reply, error: outcome.error, continuation });
    if (keepsMessages(outcome.status) && outcome.status !== 'awaiting_approval' && outcome.reply !== null) {
      const seq = await nextSeqs(tx, turn.sessionId);
      await insertMessage(tx, projectId, { id: newId('msg'), sessionId: turn.sessionId, turnId: turn.id, seq: seq.message, role: 'assistant', content: outcome.reply });
    }
    for (const [i, call] of (outcome.paused?.calls ?? []).entries()) {
      await insertApproval(tx, projectId, { id: approvalIds[i], sessionId: turn.sessionId, turnId: turn.id, action: call.name, arguments: call.args });
    }
    await appendSpans(tx, [...tracer.finished]);
    const added = tracer.totals();
    const [before] = await tx.query<{ input_tokens: number; output_tokens: number; cost_usd: number }>(
      `SELECT input_tokens, output_tokens, cost_usd FROM traces WHERE project_id = $1 AND id = $2`,
      [projectId, tracer.traceId],
    );
    const totals = {
      inputTokens: Number(before?.input_tokens ?? 0) + added.inputTokens,
      outputTokens: Number(before?.output_tokens ?? 0) + added.outputTokens,
      costUsd: Number(before?.cost_usd ?? 0) + added.costUsd,
    };
    if (outcome.status === 'awaiting_approval') {
      await tx.query(`UPDATE traces SET input_tokens = $2, output_tokens = $3, cost_usd = $4 WHERE id = $1`, [tracer.traceId, totals.inputTokens, totals.outputTokens, totals.costUsd]);
    } else {
      await finishTrace(tx, tracer.traceId, { status: outcome.status, output: outcome.reply, error: outcome.error, endedAt: new Date(tracer.now()), ...totals });
    }
    const approvals = await approvalsForTurn(tx, projectId, turn.id);
    return { approvals };
  });
}
