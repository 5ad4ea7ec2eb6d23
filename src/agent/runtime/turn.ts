import type { ModelMessage } from 'ai';
import { errorMessage } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Citation } from '../../models/local/contracts.ts';
import type { Db } from '../../store/db.ts';
import { TurnTracer } from '../../trace/tracer.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import { route, type RouteDecision } from './route.ts';
import { actLocally, fillsPending, resumeLocally } from './act-local.ts';
import { actWithModel, resumeWithModel, systemPrompt } from './act-llm.ts';
import type { SessionRow, TurnRow } from '../session-store.ts';
import { persistNewTurn, persistResumedTurn } from './persist-turn.ts';
import type { ApprovalView, AnswerSource, Continuation, PlannedCall, SessionState, TurnEvent, TurnResult, TurnStatus } from './types.ts';
import type { RagStages } from '../../knowledge/grounding/stages.ts';
import { formatContext } from '../../knowledge/grounding/handoff.ts';
import { ground, localPassages, measureAnswer, type Grounding } from './ground.ts';
import { round4 } from '../../core/stats.ts';

export interface TurnContext {
  db: Db;
  projectId: string;
}

export interface TurnOptions {
  channel: string;
  /** Documents or sources a test case expects retrieval to find. */
  expectedSources?: string[];
  onEvent?: (event: TurnEvent) => void;
}

/** What the act step decided, before anything is written. */
export interface TurnOutcome {
  status: TurnStatus;
  reply: string | null;
  error: string | null;
  citations: Citation[];
  sources: AnswerSource[];
  /** The six RAG stages, when the turn read knowledge. */
  stages: RagStages | null;
  state: SessionState;
  /** Calls to put before a person, with how to continue once decided. */
  paused: { calls: PlannedCall[]; continuation: (approvalIds: string[]) => Continuation } | null;
}

/**
 * One turn of the pipeline in DESIGN.md: guard in → route → (ground) → act → guard out → respond.
 * Everything runs in memory; the turn, its messages, approvals, trace and spans are then written in
 * one transaction, so a failure never leaves half a turn.
 */
export async function runTurn(ctx: TurnContext, agent: PreparedAgent, session: SessionRow, utterance: string, history: { role: 'user' | 'assistant'; content: string }[], opts: TurnOptions): Promise<TurnResult> {
  const tracer = new TurnTracer();
  const startMs = tracer.now();
  const turnId = newId('turn');
  let decision: RouteDecision | null = null;
  let outcome: TurnOutcome;
  try {
    guardSpan(tracer, agent, 'input', utterance);
    decision = await route(agent, utterance, history, tracer);
    const pending = session.state.pending;
    const filling = !!pending && agent.answerModel.kind === 'local' && fillsPending(agent, pending, utterance);
    if (pending && filling && decision.topic !== pending.topic) {
      // A bare answer to our question ("A1234") routes poorly on its own; it belongs to the pending action.
      decision = { ...decision, topic: pending.topic };
    }
    opts.onEvent?.({ type: 'route', topic: decision.topic, confidence: decision.confidence });
    // An answer to the agent's own question supplies an argument; there is nothing to look up.
    const grounding = decision.topic !== null && !filling ? await ground(ctx, agent, decision.topic, utterance, history, tracer, { expectedSources: opts.expectedSources }) : null;
    outcome = await act(agent, session, utterance, history, decision, grounding, tracer, opts);
    if (outcome.reply !== null) guardSpan(tracer, agent, 'output', outcome.reply);
  } catch (err) {
    outcome = { status: 'failed', reply: null, error: errorMessage(err), citations: [], sources: [], stages: null, state: session.state, paused: null };
  }
  respondSpan(tracer, outcome);
  const persisted = await persistNewTurn(ctx, {
    agent,
    session,
    turnId,
    tracer,
    startMs,
    utterance,
    channel: opts.channel,
    topic: decision?.topic ?? null,
    outcome,
  });
  const result = toResult(session, agent, turnId, tracer, startMs, decision, outcome, persisted.approvals);
  if (result.approvals.length > 0) opts.onEvent?.({ type: 'approval_required', approvals: result.approvals });
  opts.onEvent?.({ type: 'done', result });
  return result;
}

async function act(agent: PreparedAgent, session: SessionRow, utterance: string, history: { role: 'user' | 'assistant'; content: string }[], decision: RouteDecision, grounding: Grounding | null, tracer: TurnTracer, opts: TurnOptions): Promise<TurnOutcome> {
  const none = { citations: [], sources: [], stages: null };
  if (decision.topic === null) {
    const reply = agent.definition.fallback.message.trim();
    opts.onEvent?.({ type: 'delta', text: reply });
    return { status: 'completed', reply, error: null, ...none, state: {}, paused: null };
  }
  if (agent.answerModel.kind === 'local') {
    const knowledge = grounding ? localPassages(grounding) : undefined;
    const out = await actLocally({ agent, topic: decision.topic, utterance, state: session.state, tracer, sessionId: session.id, firstTurn: history.length === 0, knowledge });
    opts.onEvent?.({ type: 'delta', text: out.text });
    if (out.kind === 'suspend') {
      const call = out.calls[0];
      const topic = decision.topic;
      const confidence = decision.confidence;
      return {
        status: 'awaiting_approval',
        reply: out.text,
        error: null,
        ...none,
        state: out.state,
        paused: { calls: out.calls, continuation: ([approvalId]) => ({ kind: 'local', topic, confidence, call, approvalId }) },
      };
    }
    const measured = grounding && out.grounded ? measureAnswer(agent, grounding, utterance, out.text, { abstained: out.abstained, local: out.citations }) : null;
    return {
      status: out.error ? 'failed' : 'completed',
      reply: out.text,
      error: out.error ?? null,
      citations: out.citations,
      sources: measured?.sources ?? [],
      stages: measured?.stages ?? null,
      state: out.state,
      paused: null,
    };
  }
  const system = systemPrompt(agent, agent.topics.get(decision.topic), grounding && grounding.passages.length > 0 ? formatContext(grounding.passages) : undefined);
  const messages: ModelMessage[] = [...history.map((m) => ({ role: m.role, content: m.content }) as ModelMessage), { role: 'user', content: utterance }];
  const out = await actWithModel(
    { agent, handle: agent.answerModel, topic: decision.topic, confidence: decision.confidence, tracer, sessionId: session.id, onDelta: deltaSink(opts) },
    system,
    messages,
  );
  if (out.kind === 'suspend') {
    return { status: 'awaiting_approval', reply: out.text, error: null, ...none, state: {}, paused: { calls: out.waiting, continuation: out.continuation } };
  }
  const measured = grounding ? measureAnswer(agent, grounding, utterance, out.text, {}) : null;
  return { status: 'completed', reply: out.text, error: null, citations: measured?.citations ?? [], sources: measured?.sources ?? [], stages: measured?.stages ?? null, state: {}, paused: null };
}

/**
 * Finishes a paused turn once every one of its approvals is decided: runs (or skips) the paused
 * calls and completes the answer, appending to the same trace.
 */
export async function resumeTurn(ctx: TurnContext, agent: PreparedAgent, session: SessionRow, turn: TurnRow, approvals: ApprovalView[], opts: Pick<TurnOptions, 'onEvent'> = {}): Promise<TurnResult> {
  const tracer = new TurnTracer({ traceId: turn.traceId });
  const startMs = tracer.now();
  const cont = turn.continuation;
  const decisions = new Map(approvals.map((a) => [a.id, { approved: a.status === 'approved', reason: a.reason }]));
  for (const a of approvals) {
    tracer.start('approval', `approval ${a.action}`, a.arguments).end({
      status: 'ok',
      output: { decision: a.status, by: a.decidedBy, reason: a.reason },
      attributes: { approval_id: a.id, decision: a.status, waited_ms: a.decidedAt ? Date.parse(a.decidedAt) - Date.parse(a.createdAt) : null },
    });
  }
  let outcome: TurnOutcome;
  try {
    if (!cont) throw new Error(`turn ${turn.id} has nothing to continue`);
    if (cont.kind === 'local') {
      const d = decisions.get(cont.approvalId) ?? { approved: false, reason: 'no decision recorded' };
      const out = await resumeLocally(
        { agent, topic: cont.topic, utterance: turn.input, state: {}, tracer, sessionId: session.id, firstTurn: false },
        cont.call,
        { ...d, approvalId: cont.approvalId },
      );
      if (out.kind === 'suspend') throw new Error('a resumed turn cannot pause again on the local model');
      const denied = !d.approved;
      outcome = { status: out.error ? 'failed' : denied ? 'denied' : 'completed', reply: out.text, error: out.error ?? null, citations: out.citations, sources: [], stages: null, state: {}, paused: null };
    } else {
      if (agent.answerModel.kind !== 'llm') throw new Error(`agent ${agent.definition.name} no longer answers with a model that can continue this turn`);
      const out = await resumeWithModel(
        { agent, handle: agent.answerModel, topic: cont.topic, confidence: cont.confidence, tracer, sessionId: session.id, onDelta: deltaSink(opts) },
        cont,
        decisions,
      );
      outcome =
        out.kind === 'suspend'
          ? { status: 'awaiting_approval', reply: out.text, error: null, citations: [], sources: [], stages: null, state: {}, paused: { calls: out.waiting, continuation: out.continuation } }
          : { status: 'completed', reply: out.text, error: null, citations: [], sources: [], stages: null, state: {}, paused: null };
    }
    if (outcome.reply !== null) guardSpan(tracer, agent, 'output', outcome.reply);
  } catch (err) {
    outcome = { status: 'failed', reply: null, error: errorMessage(err), citations: [], sources: [], stages: null, state: {}, paused: null };
  }
  respondSpan(tracer, outcome);
  const persisted = await persistResumedTurn(ctx, { agent, session, turn, tracer, outcome });
  const topic = cont?.topic ?? null;
  const confidence = cont?.confidence ?? null;
  const result = toResult(session, agent, turn.id, tracer, startMs, { topic, confidence: confidence ?? 0, ranking: [] }, outcome, persisted.approvals);
  result.confidence = confidence;
  opts.onEvent?.({ type: 'done', result });
  return result;
}

/**
 * Guard steps are recorded now so every trace has the shape of the full pipeline; the checks
 * themselves arrive with the trust layer, so the span says they were not enforced.
 */
function guardSpan(tracer: TurnTracer, agent: PreparedAgent, stage: 'input' | 'output', text: string): void {
  const declared = agent.definition.guardrails.filter((g) => g.on.includes(stage)).map((g) => g.type);
  tracer.start('guard', `guard ${stage}`, { length: text.length }).end({ attributes: { stage, declared, enforced: false, blocked: false } });
}

function respondSpan(tracer: TurnTracer, outcome: TurnOutcome): void {
  tracer.start('respond', 'respond').end({
    status: outcome.status === 'failed' ? 'error' : outcome.status === 'awaiting_approval' ? 'pending' : 'ok',
    output: outcome.reply,
    error: outcome.error,
    attributes: {
      status: outcome.status,
      citations: outcome.citations.map((c) => ({ n: c.n, source: c.source, passage: c.passageId })),
      ...(outcome.stages ? { grounding: outcome.stages.grounding, response: outcome.stages.response } : {}),
    },
  });
}

function toResult(session: SessionRow, agent: PreparedAgent, turnId: string, tracer: TurnTracer, startMs: number, decision: RouteDecision | null, outcome: TurnOutcome, approvals: ApprovalView[]): TurnResult {
  return {
    sessionId: session.id,
    turnId,
    traceId: tracer.traceId,
    status: outcome.status,
    reply: outcome.reply,
    topic: decision?.topic ?? null,
    confidence: decision ? round4(decision.confidence) : null,
    citations: outcome.citations,
    sources: outcome.sources,
    approvals,
    error: outcome.error,
    agent: { name: agent.definition.name, version: agent.version },
    usage: tracer.totals(),
    latencyMs: Math.round((tracer.now() - startMs) * 1000) / 1000,
  };
}

/** Streams from the model only when someone listens. */
function deltaSink(opts: Pick<TurnOptions, 'onEvent'>): ((text: string) => void) | undefined {
  const onEvent = opts.onEvent;
  return onEvent ? (text) => onEvent({ type: 'delta', text }) : undefined;
}
