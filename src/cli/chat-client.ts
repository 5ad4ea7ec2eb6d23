import type { ApprovalView, TurnResult } from '../agent/runtime/types.ts';
import type { ChatService, SessionView } from '../agent/chat-service.ts';
import { serverRequest } from './store-access.ts';

/**
 * What `chat` and `approvals` need, whether they open the store themselves or talk to the server
 * that holds it.
 */
export interface ChatClient {
  createSession(agent: string): Promise<SessionView>;
  send(sessionId: string, text: string, onDelta?: (text: string) => void): Promise<TurnResult>;
  decide(approvalId: string, approved: boolean, reason?: string): Promise<{ approval: ApprovalView; turn: TurnResult | null }>;
  listApprovals(status?: 'pending' | 'approved' | 'denied'): Promise<ApprovalView[]>;
}

export function localClient(chat: ChatService): ChatClient {
  return {
    createSession: (agent) => chat.createSession(agent, 'cli'),
    send: (sessionId, text, onDelta) => chat.send(sessionId, text, { onEvent: (e) => e.type === 'delta' && onDelta?.(e.text) }),
    decide: (id, approved, reason) => chat.decide(id, { approved, by: process.env.USER ?? 'cli', reason: reason ?? null }),
    listApprovals: (status) => chat.listApprovals({ status }),
  };
}

export function remoteClient(baseUrl: string): ChatClient {
  const by = process.env.USER ?? 'cli';
  return {
    createSession: (agent) => serverRequest(baseUrl, '/v1/sessions', { method: 'POST', body: { agent, channel: 'cli' } }),
    send: async (sessionId, text, onDelta) => {
      const r = await serverRequest<TurnResult>(baseUrl, `/v1/sessions/${encodeURIComponent(sessionId)}/messages`, { method: 'POST', body: { text } });
      if (r.reply) onDelta?.(r.reply);
      return r;
    },
    decide: (id, approved, reason) =>
      serverRequest(baseUrl, `/v1/approvals/${encodeURIComponent(id)}/${approved ? 'approve' : 'deny'}`, { method: 'POST', body: { by, ...(reason ? { reason } : {}) } }),
    listApprovals: async (status) => (await serverRequest<{ approvals: ApprovalView[] }>(baseUrl, `/v1/approvals${status ? `?status=${status}` : ''}`)).approvals,
  };
}
