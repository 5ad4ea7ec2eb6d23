import { InputError, ProviderError, errorMessage } from '../../core/errors.ts';
import { callModel, type ModelStepResult } from '../../models/call.ts';
import { STOPWORDS, stem, tokenize, words } from '../../models/local/sentences.ts';
import type { PriceTable } from '../../models/pricing.ts';
import type { LlmHandle } from '../../models/registry.ts';
import type { RetryOptions } from '../../models/retry.ts';
import { countTokens } from '../../models/tokens.ts';
import { withoutQuestionForm } from './coverage.ts';

/**
 * Query rewriting for multi-turn conversations: "and for the other one?" searches nothing useful
 * on its own. With a model, the model writes a standalone query from the conversation; without
 * one, a follow-up borrows the content words of the previous question. Either way the result says
 * what was done and why, for the trace.
 */

/** The prompt of the model rewrite. Bump `version` whenever the wording changes: traces record it. */
export const REWRITE_PROMPT = {
  version: 'query-rewrite/1',
  system: [
    'You rewrite the latest question of a conversation into a standalone search query for a knowledge base.',
    '- Resolve pronouns and references ("it", "that one", "the other one", "and for ...?") using the conversation.',
    '- Keep the language of the question, and keep product names, numbers and identifiers exactly as written.',
    '- If the question is already standalone, return it unchanged.',
    '- Do not answer the question and do not add facts that are not in the conversation.',
    'Reply with only the query, on one line, without quotes or explanations.',
  ].join('\n'),
  user: 'Conversation:\n{history}\n\nLatest question: {question}\n\nStandalone query:',
} as const;

export interface ConversationMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

export interface RewriteInput extends RetryOptions {
  question: string;
  /** Earlier messages, oldest first; the question itself may be the last entry. */
  history: ConversationMessage[];
  /** Given → the model rewrites; otherwise the history heuristic runs. */
  handle?: LlmHandle;
  /** Latest messages shown to the model. Default 6. */
  maxHistory?: number;
  prices?: PriceTable;
}

export interface QueryRewrite {
  /** The query to search with (the question itself unless rewritten). */
  query: string;
  method: 'none' | 'model' | 'history';
  reason: string;
  /** Set whenever the model was called, also when its reply was not used. */
  model?: string;
  promptVersion?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  latencyMs?: number;
}

const DEFAULT_MAX_HISTORY = 6;
// Long earlier answers cost tokens without helping to resolve a reference.
const MAX_MESSAGE_CHARS = 600;
const MAX_FOLLOW_UP_WORDS = 12;

export async function rewriteQuery(input: RewriteInput): Promise<QueryRewrite> {
  const question = input.question.trim();
  const history = priorMessages(input.history, question);
  if (question === '') return { query: input.question, method: 'none', reason: 'empty question' };
  if (history.length === 0) return { query: question, method: 'none', reason: 'no earlier messages' };
  if (input.handle) return rewriteWithModel(input, input.handle, question, history);
  return rewriteFromHistory(question, history);
}

// The caller may or may not have appended the current question to the history.
function priorMessages(history: ConversationMessage[], question: string): ConversationMessage[] {
  const messages = history.filter((m) => m.role !== 'system' && m.content.trim() !== '');
  const last = messages.at(-1);
  return last && last.role === 'user' && last.content.trim() === question ? messages.slice(0, -1) : messages;
}

async function rewriteWithModel(input: RewriteInput, handle: LlmHandle, question: string, history: ConversationMessage[]): Promise<QueryRewrite> {
  const maxHistory = input.maxHistory ?? DEFAULT_MAX_HISTORY;
  if (!Number.isInteger(maxHistory) || maxHistory < 1) {
    throw new InputError(`maxHistory must be an integer ≥ 1, got ${maxHistory}`, [{ path: 'maxHistory', message: 'must be an integer ≥ 1' }]);
  }
  const shown = history.slice(-maxHistory);
  const transcript = shown.map((m) => `${m.role}: ${clip(m.content.replace(/\s+/g, ' ').trim(), MAX_MESSAGE_CHARS)}`).join('\n');
  const prompt = REWRITE_PROMPT.user.replace('{history}', () => transcript).replace('{question}', () => question);
  const base = { model: handle.ref, promptVersion: REWRITE_PROMPT.version };
  let step: ModelStepResult;
  try {
    step = await callModel({
      handle,
      system: REWRITE_PROMPT.system,
      messages: [{ role: 'user', content: prompt }],
      temperature: 0,
      maxOutputTokens: 256,
      timeoutMs: input.timeoutMs,
      maxRetries: input.maxRetries,
      retryDelayMs: input.retryDelayMs,
      abortSignal: input.abortSignal,
      prices: input.prices,
    });
  } catch (err) {
    // A failed rewrite costs the turn nothing but a worse search; a cancelled turn must stop.
    if (err instanceof ProviderError && !input.abortSignal?.aborted) {
      return { query: question, method: 'none', reason: `model call failed, kept the question: ${errorMessage(err)}`, ...base };
    }
    throw err;
  }
  const measured = {
    ...base,
    inputTokens: step.usage.inputTokens,
    outputTokens: step.usage.outputTokens,
    costUsd: step.costUsd,
    latencyMs: step.latencyMs,
  };
  const parsed = parseReply(step.text, step.finishReason, question);
  if ('problem' in parsed) return { query: question, method: 'none', reason: `${parsed.problem}, kept the question`, ...measured };
  const unchanged = parsed.query.toLowerCase() === question.toLowerCase();
  return { query: parsed.query, method: 'model', reason: unchanged ? 'the model kept the question as it was' : 'rewritten by the model', ...measured };
}

/** The query in a model reply, or what is wrong with the reply. */
export function parseReply(reply: string, finishReason: string, question: string): { query: string } | { problem: string } {
  if (finishReason === 'length') return { problem: 'model reply was cut at the output limit' };
  const text = reply
    .trim()
    .replace(/^```\w*\s*([\s\S]*?)\s*```$/, '$1')
    .replace(/^(?:standalone |rewritten |search )?query\s*:\s*/i, '')
    .replace(/^(["'“‘`])([\s\S]*)(["'”’`])$/, '$2')
    .trim();
  if (text === '') return { problem: 'model returned an empty query' };
  if (text.split('\n').filter((line) => line.trim() !== '').length > 1) return { problem: 'model reply is not a single line' };
  // A query is at most a rephrased question plus a few resolved names; more is an answer or an essay.
  if (countTokens(text) > Math.max(64, 4 * countTokens(question))) return { problem: 'model reply is too long for a query' };
  return { query: text.replace(/\s+/g, ' ') };
}

// Pronouns and references that point back into the conversation.
const ANAPHORA = /\b(?:it|its|that|this|those|these|them|they|their|there|one|ones|same|other|another|former|latter|else)\b/i;
// "Is it possible to...", "is there a...": the pronoun refers to nothing.
const DUMMY_PRONOUN =
  /\b(?:(?:is|was|will|would) it(?: be)?|it (?:is|was|will be|would be)|it['’]s) (?:possible|ok|okay|allowed|necessary|required|true|safe|free|worth)\b|\b(?:is|are|was|were) there\b|\bthere (?:is|are|was|were|will|would)\b|\bthere['’]s\b/gi;
const FOLLOW_UP_OPENER = /^(?:and|also|but|or|so|then|same|what about|how about|what if|what else)\b/i;
const QUESTION_FORM = /\?\s*$|^(?:how|what|why|when|where|which|who|whose|can|could|is|are|does|do)\b/i;

/** The question reads as a continuation: it needs the conversation to be understood. */
export function looksLikeFollowUp(question: string): boolean {
  const q = question.trim();
  if (words(q).length > MAX_FOLLOW_UP_WORDS) return false;
  if (FOLLOW_UP_OPENER.test(q)) return true;
  const content = tokenize(q).length;
  // "Why?", "How much?": a bare question form asks about whatever came before; "thanks!" does not.
  if (content === 0) return QUESTION_FORM.test(q);
  return content <= 3 && ANAPHORA.test(q.replace(DUMMY_PRONOUN, ' '));
}

function rewriteFromHistory(question: string, history: ConversationMessage[]): QueryRewrite {
  if (!looksLikeFollowUp(question)) return { query: question, method: 'none', reason: 'not a follow-up' };
  const previous = history.findLast((m) => m.role === 'user');
  if (!previous) return { query: question, method: 'none', reason: 'follow-up, but no earlier user question' };
  const known = new Set(tokenize(question));
  const added: string[] = [];
  for (const w of words(withoutQuestionForm(previous.content))) {
    const s = stem(w);
    if (STOPWORDS.has(w) || known.has(s) || (w.length < 2 && !/\d/.test(w))) continue;
    known.add(s);
    added.push(w);
  }
  if (added.length === 0) return { query: question, method: 'none', reason: 'follow-up, but the previous question adds no words' };
  return { query: `${question} ${added.join(' ')}`, method: 'history', reason: 'follow-up: added the words of the previous question' };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
