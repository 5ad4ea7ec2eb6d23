import type { ModelMessage } from 'ai';
import type { Citation } from '../../models/local/contracts.ts';

/** What a client sees of an approval. */
export interface ApprovalView {
  id: string;
  sessionId: string;
  turnId: string;
  action: string;
  arguments: Record<string, unknown>;
  status: 'pending' | 'approved' | 'denied';
  decidedBy: string | null;
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
}

/** A knowledge chunk the answer cites: where a reader can check it. */
export interface AnswerSource {
  /** The `[n]` marker in the reply. */
  n: number;
  chunkId: number;
  /** The knowledge source's name. */
  source: string;
  /** The document's path within its source. */
  document: string;
  title: string;
  /** Section headings, outermost first, joined with ' › '. */
  section: string;
  link: string | null;
  /** Whether the cited chunk supports the sentence that cites it. */
  supported: boolean;
}

export type TurnStatus = 'completed' | 'awaiting_approval' | 'failed' | 'denied';

/** The answer to one message, the same on every channel. */
export interface TurnResult {
  sessionId: string;
  turnId: string;
  traceId: string;
  status: TurnStatus;
  reply: string | null;
  topic: string | null;
  confidence: number | null;
  citations: Citation[];
  /** The knowledge the reply cites, by marker. */
  sources: AnswerSource[];
  approvals: ApprovalView[];
  error: string | null;
  agent: { name: string; version: string };
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  latencyMs: number;
}

/** Streamed while a turn runs (server-sent events, the CLI). */
export type TurnEvent =
  | { type: 'route'; topic: string | null; confidence: number | null }
  | { type: 'approval_required'; approvals: ApprovalView[] }
  | { type: 'delta'; text: string }
  | { type: 'done'; result: TurnResult }
  /** The turn could not run at all (e.g. the session vanished); a turn that ran and failed ends with `done`. */
  | { type: 'error'; message: string };

/** A call the model (or local policy) wants to make. */
export interface PlannedCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** Carried on the session between turns: an action that still needs an argument from the user. */
export interface PendingArguments {
  topic: string;
  action: string;
  args: Record<string, unknown>;
  missing: string[];
}

export interface SessionState {
  pending?: PendingArguments;
}

/** Stored on a suspended turn: enough to continue it once every approval is decided. */
export type Continuation =
  | { kind: 'local'; topic: string; confidence: number | null; call: PlannedCall; approvalId: string }
  | {
      kind: 'llm';
      topic: string | null;
      confidence: number | null;
      system: string;
      messages: ModelMessage[];
      /** Results of the step's calls that ran before the turn paused. */
      results: { call: PlannedCall; outcome: { ok: true; result: unknown } | { ok: false; error: string } }[];
      /** Calls waiting for a person, by approval id. */
      waiting: { approvalId: string; call: PlannedCall }[];
      stepsUsed: number;
    };
