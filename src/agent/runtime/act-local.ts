import { answerFromContext } from '../../models/local/answerer.ts';
import type { Citation, Passage } from '../../models/local/contracts.ts';
import { extractArguments } from '../../models/local/extract.ts';
import { inVoice } from '../../models/local/voice.ts';
import { countTokens } from '../../models/tokens.ts';
import { newId } from '../../core/ids.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import type { ActionDefinition } from '../schema.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import { runTool, type ToolOutcome } from './tools.ts';
import type { PlannedCall, SessionState } from './types.ts';

export type ActOutcome =
  /** `grounded`: the reply was answered from the turn's knowledge passages. */
  | { kind: 'reply'; text: string; citations: Citation[]; abstained: boolean; grounded?: boolean; state: SessionState; error?: string }
  | { kind: 'suspend'; calls: PlannedCall[]; text: string; state: SessionState };

interface LocalTurn {
  agent: PreparedAgent;
  topic: string;
  utterance: string;
  state: SessionState;
  tracer: TurnTracer;
  sessionId: string;
  firstTurn: boolean;
  /** Passages retrieved for the question, best first; absent when the topic reads no knowledge. */
  knowledge?: Passage[];
}

/**
 * The act step on the offline local models: pick the topic's action the utterance asks for,
 * extract its arguments from the schema (asking for a missing one and keeping what was found for
 * the next turn), run it (or pause for approval), and answer extractively from what it returned.
 * With no action to run it answers from the retrieved knowledge, or abstains.
 */
export async function actLocally(turn: LocalTurn): Promise<ActOutcome> {
  const { agent, topic, utterance, state } = turn;
  const pending = state.pending?.topic === topic ? state.pending : undefined;
  const action = pending ? agent.actions.get(pending.action) : chooseAction(agent, topic, utterance);
  if (!action) return { ...answer(turn, turn.knowledge ?? [], {}), grounded: turn.knowledge !== undefined };
  // A general question in a topic that also acts ("how long do I have to return an item?") is
  // answered from knowledge; the action runs when the utterance asks for it or knowledge has nothing.
  if (!pending && turn.knowledge && turn.knowledge.length > 0 && !asksToAct(action, utterance)) {
    const reply = answer(turn, turn.knowledge, {});
    if (!reply.abstained) return { ...reply, grounded: true };
  }

  const span = turn.tracer.start('model', 'extract_arguments', { utterance, action: action.name, known: pending?.args ?? {} });
  const extraction = extractArguments(action.input, utterance, pending?.args, pending ? { asked: pending.missing[0] } : undefined);
  span.end({
    model: agent.answerModel.ref,
    inputTokens: countTokens(utterance),
    output: extraction,
    attributes: { action: action.name, missing: extraction.missing },
  });

  if (extraction.missing.length > 0) {
    const question = extraction.question ?? `I need a bit more information to ${describe(action)}.`;
    const text = inVoice(agent.definition.voice, question, { abstained: true });
    return {
      kind: 'reply',
      text,
      citations: [],
      abstained: false,
      state: { pending: { topic, action: action.name, args: extraction.args, missing: extraction.missing } },
    };
  }
  const call: PlannedCall = { id: newId('spn').replace('spn_', 'call_'), name: action.name, args: extraction.args };
  if (action.approval === 'required') {
    return { kind: 'suspend', calls: [call], text: approvalNotice(action, extraction.args), state: {} };
  }
  const outcome = await runTool(agent, call, turn.tracer, { sessionId: turn.sessionId });
  return answerFromOutcome(turn, action, outcome);
}

/** After a person decided on the paused call: run it if approved, or say it was declined. */
export async function resumeLocally(turn: LocalTurn, call: PlannedCall, decision: { approved: boolean; reason: string | null; approvalId: string }): Promise<ActOutcome> {
  const action = turn.agent.actions.get(call.name);
  if (!action) return { kind: 'reply', text: `The action ${call.name} no longer exists in this agent.`, citations: [], abstained: false, state: {}, error: `unknown action "${call.name}"` };
  if (!decision.approved) {
    const why = decision.reason ? ` (${decision.reason})` : '';
    return { kind: 'reply', text: `That request was not approved${why}, so I did not ${describe(action)}.`, citations: [], abstained: false, state: {} };
  }
  const outcome = await runTool(turn.agent, call, turn.tracer, { sessionId: turn.sessionId, approvalId: decision.approvalId });
  return answerFromOutcome(turn, action, outcome);
}

function answerFromOutcome(turn: LocalTurn, action: ActionDefinition, outcome: ToolOutcome): ActOutcome {
  if (!outcome.ok) {
    return { kind: 'reply', text: `Sorry, I couldn't ${describe(action)}: ${outcome.error}`, citations: [], abstained: false, state: {}, error: outcome.error };
  }
  const text = typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result);
  return answer(turn, [{ id: `action:${action.name}`, text, source: action.name }], {});
}

function answer(turn: LocalTurn, passages: Passage[], state: SessionState): Extract<ActOutcome, { kind: 'reply' }> {
  const span = turn.tracer.start('model', 'answer', { question: turn.utterance, passages: passages.map((p) => p.id) });
  const result = answerFromContext({ question: turn.utterance, passages, voice: turn.agent.definition.voice, firstTurn: turn.firstTurn });
  span.end({
    model: turn.agent.answerModel.ref,
    inputTokens: countTokens(turn.utterance) + passages.reduce((n, p) => n + countTokens(p.text), 0),
    outputTokens: countTokens(result.text),
    output: result.text,
    attributes: { abstained: result.abstained, citations: result.citations.length, support: result.support },
  });
  return { kind: 'reply', text: result.text, citations: result.citations, abstained: result.abstained, state };
}

/**
 * The topic's action the utterance is about: the one whose name and description share the most
 * words with it. A topic with a single action uses it.
 */
function chooseAction(agent: PreparedAgent, topicName: string, utterance: string): ActionDefinition | undefined {
  const names = agent.topics.get(topicName)?.actions ?? [];
  const actions = names.map((n) => agent.actions.get(n)).filter((a): a is ActionDefinition => a !== undefined);
  if (actions.length <= 1) return actions[0];
  const words = new Set(terms(utterance));
  let best = actions[0];
  let bestScore = -1;
  for (const a of actions) {
    const score = terms(`${a.name.replaceAll('_', ' ')} ${a.description}`).filter((t) => words.has(t)).length;
    if (score > bestScore) [best, bestScore] = [a, score];
  }
  return best;
}

const REQUEST = /\b(my|mine|our|i want to|i'?d like to|i would like to|i need to|help me|please)\b/i;

/**
 * Whether the utterance asks the agent to do the action rather than asks about it: it names an
 * argument (an order number), speaks of the customer's own things ("my order"), makes a request,
 * or opens with a verb of the action ("start a return").
 */
function asksToAct(action: ActionDefinition, utterance: string): boolean {
  if (REQUEST.test(utterance)) return true;
  if (Object.keys(extractArguments(action.input, utterance).args).length > 0) return true;
  const first = terms(utterance)[0];
  return first !== undefined && terms(`${action.name.replaceAll('_', ' ')} ${action.description}`).slice(0, 3).includes(first);
}

const terms = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length > 2).map((t) => t.replace(/(ing|ed|es|s)$/, ''));

function describe(action: ActionDefinition): string {
  const d = action.description.trim().replace(/\.$/, '');
  return d.charAt(0).toLowerCase() + d.slice(1);
}

function approvalNotice(action: ActionDefinition, args: Record<string, unknown>): string {
  const shown = Object.entries(args).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return `I'd like to ${describe(action)} (${shown}). This needs approval from a team member; I'll continue as soon as it is decided.`;
}

/** Whether the utterance supplies an argument the pending action was waiting for. */
export function fillsPending(agent: PreparedAgent, pending: NonNullable<SessionState['pending']>, utterance: string): boolean {
  const action = agent.actions.get(pending.action);
  if (!action) return false;
  const { args } = extractArguments(action.input, utterance, pending.args, { asked: pending.missing[0] });
  return pending.missing.some((name) => args[name] !== undefined);
}
