/**
 * A suite target that is an agent of this platform: each case runs in its own session through the
 * same ChatService the channels use, and what the agent did is read back from its traces — the
 * topic it routed to, the actions it called with their arguments, the passages it was handed,
 * and any guard step that stopped a turn.
 */
import type { ChatService } from '../../agent/chat-service.ts';
import type { TurnResult } from '../../agent/runtime/types.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { getTrace } from '../../trace/store.ts';
import type { TraceWithSpans } from '../../trace/types.ts';
import type { CaseOutput, GuardBlock, ObservedAction, SuiteCase } from '../contracts.ts';
import { errorOutput, roundMs } from './request.ts';

export interface Target {
  /** What reports call it: `acme-support@1a2b3c`, a URL... */
  label: string;
  run(c: SuiteCase, signal?: AbortSignal): Promise<CaseOutput>;
}

export interface AgentTargetOptions {
  chat: ChatService;
  db: Queryable;
  projectId: string;
  agentName: string;
  agentVersion: string;
  /** How the runner decides actions that need a person's approval; a test has no person. Default approve. */
  approvals?: 'approve' | 'deny';
}

export function agentTarget(opts: AgentTargetOptions): Target {
  return {
    label: `${opts.agentName}@${opts.agentVersion}`,
    run: (c, signal) => runCase(opts, c, signal),
  };
}

/** The user messages of a case, in order. */
export function userMessages(c: SuiteCase): string[] {
  if (c.conversation) return c.conversation.filter((t) => t.role === 'user').map((t) => t.content);
  return c.utterance !== undefined ? [c.utterance] : [];
}

async function runCase(opts: AgentTargetOptions, c: SuiteCase, signal?: AbortSignal): Promise<CaseOutput> {
  const started = performance.now();
  const messages = userMessages(c);
  const traceIds: string[] = [];
  const results: TurnResult[] = [];
  try {
    const session = await opts.chat.createSession(opts.agentName, 'test');
    for (const [i, text] of messages.entries()) {
      signal?.throwIfAborted();
      const last = i === messages.length - 1;
      let r = await opts.chat.send(session.id, text, last && c.expectedSources ? { expectedSources: c.expectedSources } : {});
      traceIds.push(r.traceId);
      // A paused turn continues once decided, as it would with a person; the decision is the run's policy.
      while (r.status === 'awaiting_approval' && r.approvals.some((a) => a.status === 'pending')) {
        let next: TurnResult | null = null;
        for (const a of r.approvals.filter((x) => x.status === 'pending')) {
          const decided = await opts.chat.decide(a.id, { approved: (opts.approvals ?? 'approve') === 'approve', by: 'agentproof test', reason: 'decided by the test run' });
          next = decided.turn ?? next;
        }
        if (!next) break;
        r = next;
      }
      results.push(r);
    }
  } catch (err) {
    // An interrupted run stops here; the case is left without a result so a resume runs it again.
    if (signal?.aborted) throw err;
    return { ...errorOutput(errorMessage(err), performance.now() - started), traceIds };
  }
  const traces = await Promise.all([...new Set(traceIds)].map((id) => getTrace(opts.db, opts.projectId, id)));
  return fromTurns(results, traces, performance.now() - started);
}

function fromTurns(results: TurnResult[], traces: TraceWithSpans[], latencyMs: number): CaseOutput {
  const last = results.at(-1);
  const lastTrace = last ? traces.find((t) => t.id === last.traceId) : undefined;
  const actions: ObservedAction[] = traces.flatMap((t) =>
    t.spans
      .filter((s) => s.kind === 'tool')
      .map((s) => ({ name: s.name, args: (s.input && typeof s.input === 'object' ? s.input : {}) as Record<string, unknown>, ok: s.status === 'ok' })),
  );
  const handoff = lastTrace?.spans.find((s) => s.kind === 'retrieve' && s.name === 'handoff');
  const context = Array.isArray(handoff?.output)
    ? (handoff.output as { document?: string; text?: string }[]).map((p) => ({ document: p.document ?? '', source: '', text: p.text ?? '' }))
    : [];
  const stages = lastTrace?.stages ?? null;
  const blocked = guardBlock(traces);
  return {
    status: last?.status ?? 'error',
    reply: last?.reply ?? null,
    topic: last?.topic ?? null,
    actions,
    sources: (last?.sources ?? []).map((s) => ({ document: s.document, source: s.source, supported: s.supported })),
    context,
    retrieved: (stages?.retriever.scores ?? []).map((s) => ({ document: s.document, source: s.source })),
    latencyMs: roundMs(latencyMs),
    inputTokens: traces.reduce((n, t) => n + t.inputTokens, 0),
    outputTokens: traces.reduce((n, t) => n + t.outputTokens, 0),
    costUsd: traces.reduce((n, t) => n + t.costUsd, 0),
    traceIds: results.map((r) => r.traceId),
    stages,
    error: last?.error ?? null,
    ...(blocked ? { blocked } : {}),
  };
}

/** The first guard step of the case's turns that stopped its turn, as the trust layer records it. */
function guardBlock(traces: TraceWithSpans[]): GuardBlock | undefined {
  for (const t of traces) {
    const span = t.spans.find((s) => s.kind === 'guard' && s.attributes.blocked === true);
    if (!span) continue;
    const { stage, reason } = span.attributes;
    return { stage: stage === 'output' ? 'output' : 'input', reason: typeof reason === 'string' && reason ? reason : (span.error ?? span.name) };
  }
  return undefined;
}

