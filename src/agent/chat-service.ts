import { InputError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/db.ts';
import type { AgentRegistry } from './registry.ts';
import { resumeTurn, runTurn } from './runtime/turn.ts';
import type { ApprovalView, TurnEvent, TurnResult } from './runtime/types.ts';
import {
  approvalsForTurn,
  decideApproval,
  getApproval,
  getSession,
  getTurn,
  insertSession,
  listApprovals,
  listMessages,
  getSessionWithHistory,
  type SessionRow,
} from './session-store.ts';

export interface SessionView {
  id: string;
  agent: string;
  agentVersion: string;
  channel: string;
  createdAt: string;
}

const view = (s: SessionRow): SessionView => ({ id: s.id, agent: s.agentName, agentVersion: s.agentVersion, channel: s.channel, createdAt: s.createdAt.toISOString() });

/**
 * The conversation service every channel calls (HTTP routes, the OpenAI-compatible endpoint, the
 * CLI): sessions, messages, approvals. Turns of one session run one at a time.
 */
export class ChatService {
  readonly db: Db;
  readonly agents: AgentRegistry;
  readonly projectId: string;
  private readonly sessionQueues = new Map<string, Promise<unknown>>();

  constructor(db: Db, agents: AgentRegistry, projectId: string) {
    this.db = db;
    this.agents = agents;
    this.projectId = projectId;
  }

  async createSession(agentName: string, channel: string): Promise<SessionView> {
    const agent = this.agents.get(agentName);
    const row = await insertSession(this.db, { id: newId('sess'), projectId: this.projectId, agentName, agentVersion: agent.version, channel });
    return view(row);
  }

  async getSession(id: string): Promise<SessionView & { messages: { role: string; content: string; turnId: string; createdAt: string }[] }> {
    const row = await getSession(this.db, this.projectId, id);
    const messages = await listMessages(this.db, this.projectId, id);
    return { ...view(row), messages: messages.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })) };
  }

  /** `expectedSources` (from a test case) makes the trace record retrieval recall and precision against them. */
  async send(sessionId: string, text: string, opts: { onEvent?: (e: TurnEvent) => void; expectedSources?: string[] } = {}): Promise<TurnResult> {
    const utterance = text.trim();
    if (!utterance) throw new InputError('message text is empty', [{ path: 'text', message: 'must contain at least one non-space character' }]);
    return this.serialised(sessionId, async () => {
      const { session, history } = await getSessionWithHistory(this.db, this.projectId, sessionId, this.agents.maxHistoryTurns());
      const agent = this.agents.get(session.agentName);
      const kept = keepLast(history, agent.definition.limits.historyTurns);
      return runTurn({ db: this.db, projectId: this.projectId }, agent, session, utterance, kept, { channel: session.channel, onEvent: opts.onEvent, expectedSources: opts.expectedSources });
    });
  }

  /**
   * One turn whose history comes with the request (OpenAI clients resend the whole conversation):
   * a new session holds just this turn.
   */
  async sendWithHistory(agentName: string, history: { role: 'user' | 'assistant'; content: string }[], text: string, opts: { channel: string; onEvent?: (e: TurnEvent) => void }): Promise<TurnResult> {
    const agent = this.agents.get(agentName);
    const session = await insertSession(this.db, { id: newId('sess'), projectId: this.projectId, agentName, agentVersion: agent.version, channel: opts.channel });
    const kept = keepLast(history, agent.definition.limits.historyTurns);
    return runTurn({ db: this.db, projectId: this.projectId }, agent, session, text.trim(), kept, { channel: opts.channel, onEvent: opts.onEvent });
  }

  listApprovals(filter: { status?: 'pending' | 'approved' | 'denied'; sessionId?: string; limit?: number }): Promise<ApprovalView[]> {
    return listApprovals(this.db, this.projectId, filter);
  }

  /**
   * Records a person's decision. When it was the turn's last open approval the turn continues at
   * once and its result is returned; otherwise `turn` is null.
   */
  async decide(approvalId: string, decision: { approved: boolean; by?: string | null; reason?: string | null }, opts: { onEvent?: (e: TurnEvent) => void } = {}): Promise<{ approval: ApprovalView; turn: TurnResult | null }> {
    const existing = await getApproval(this.db, this.projectId, approvalId);
    return this.serialised(existing.sessionId, async () => {
      const approval = await decideApproval(this.db, this.projectId, approvalId, {
        status: decision.approved ? 'approved' : 'denied',
        by: decision.by ?? null,
        reason: decision.reason ?? null,
      });
      const all = await approvalsForTurn(this.db, this.projectId, approval.turnId);
      if (all.some((a) => a.status === 'pending')) return { approval, turn: null };
      const session = await getSession(this.db, this.projectId, approval.sessionId);
      const turn = await getTurn(this.db, this.projectId, approval.turnId);
      const agent = this.agents.get(session.agentName);
      const decided = all.filter((a) => turn.continuation && waitingIds(turn.continuation).includes(a.id));
      const result = await resumeTurn({ db: this.db, projectId: this.projectId }, agent, session, turn, decided, opts);
      return { approval, turn: result };
    });
  }

  private serialised<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.sessionQueues.get(sessionId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.sessionQueues.set(sessionId, settled);
    void settled.then(() => {
      if (this.sessionQueues.get(sessionId) === settled) this.sessionQueues.delete(sessionId);
    });
    return next;
  }
}

/** The last `turns` exchanges (a user and an assistant message each). */
function keepLast<T>(history: T[], turns: number): T[] {
  return turns === 0 ? [] : history.slice(-turns * 2);
}

function waitingIds(c: NonNullable<Awaited<ReturnType<typeof getTurn>>['continuation']>): string[] {
  return c.kind === 'local' ? [c.approvalId] : c.waiting.map((w) => w.approvalId);
}
