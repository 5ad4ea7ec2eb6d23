import { newId } from '../../core/ids.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import { appendSpans, finishTrace, insertTrace } from '../../trace/store.ts';
import {
  approvalsForTurn,
  completeTurn,
  insertApproval,
  insertMessage,
  insertTurn,
  nextSeqs,
  updateSessionState,
  type SessionRow,
  type TurnRow,
} from '../session-store.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import type { TurnContext, TurnOutcome } from './turn.ts';
import type { ApprovalView } from './types.ts';

/** Messages of failed turns are not kept: the next turn's history holds only answered exchanges. */
const keepsMessages = (status: TurnOutcome['status']) => status !== 'failed';

export async function persistNewTurn(
  ctx: TurnContext,
  t: { agent: PreparedAgent; session: SessionRow; turnId: string; tracer: TurnTracer; startMs: number; utterance: string; channel: string; topic: string | null; outcome: TurnOutcome },
): Promise<{ approvals: ApprovalView[] }> {
  const { projectId } = ctx;
  const { outcome, tracer, session } = t;
  const endMs = tracer.now();
  const approvalIds = outcome.paused?.calls.map(() => newId('apr')) ?? [];
  const continuation = outcome.paused ? outcome.paused.continuation(approvalIds) : null;
  return ctx.db.transaction(async (tx) => {
    const seq = await nextSeqs(tx, session.id);
    await insertTurn(tx, projectId, {
      id: t.turnId,
      sessionId: session.id,
      seq: seq.turn,
      traceId: tracer.traceId,
      status: outcome.status,
      input: t.utterance,
      output: outcome.reply,
      error: outcome.error,
      continuation,
    });
    if (keepsMessages(outcome.status)) {
      await insertMessage(tx, projectId, { id: newId('msg'), sessionId: session.id, turnId: t.turnId, seq: seq.message, role: 'user', content: t.utterance });
      if (outcome.status !== 'awaiting_approval' && outcome.reply !== null) {
        await insertMessage(tx, projectId, { id: newId('msg'), sessionId: session.id, turnId: t.turnId, seq: seq.message + 1, role: 'assistant', content: outcome.reply });
      }
    }
    const approvals: ApprovalView[] = [];
    for (const [i, call] of (outcome.paused?.calls ?? []).entries()) {
      approvals.push(await insertApproval(tx, projectId, { id: approvalIds[i], sessionId: session.id, turnId: t.turnId, action: call.name, arguments: call.args }));
    }
    const paused = outcome.status === 'awaiting_approval';
    const totals = tracer.totals();
    await insertTrace(
      tx,
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
        ...totals,
      },
      [...tracer.finished],
    );
    if (outcome.status !== 'failed') await updateSessionState(tx, projectId, session.id, outcome.state);
    return { approvals };
  });
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
