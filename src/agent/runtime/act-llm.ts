import type { ModelMessage, ToolResultPart } from 'ai';
import { callModel } from '../../models/call.ts';
import type { LlmHandle } from '../../models/registry.ts';
import { newId } from '../../core/ids.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import type { Topic } from '../schema.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import { runTool, type ToolOutcome } from './tools.ts';
import type { Continuation, PlannedCall } from './types.ts';

export type LlmOutcome =
  | { kind: 'reply'; text: string }
  | { kind: 'suspend'; text: string; waiting: PlannedCall[]; continuation: (approvalIds: string[]) => Continuation };

interface LlmTurn {
  agent: PreparedAgent;
  handle: LlmHandle;
  topic: string | null;
  confidence: number | null;
  tracer: TurnTracer;
  sessionId: string;
  onDelta?: (text: string) => void;
}

/**
 * How the model is told to use retrieved passages. Numbered passages and `[n]` markers let every
 * claim be checked against the passage it cites after the answer is written.
 */
const GROUNDING_RULES = `Answer from the numbered knowledge passages below and from the results of your tools. After each sentence that uses a passage, cite it with its number in square brackets, e.g. [2]; cite only passages that state what the sentence says. If the passages do not contain the answer, say that you do not know rather than guessing.`;

/** The system prompt: the agent's job, voice and instructions, then the topic's, then the knowledge passages. */
export function systemPrompt(agent: PreparedAgent, topic: Topic | undefined, knowledge?: string): string {
  const def = agent.definition;
  const voice = def.voice;
  const parts = [
    `You are ${voice.persona ?? def.name}. Your job: ${def.description}`,
    def.instructions,
    `Tone: ${voice.tone}.${voice.avoid.length ? ` Never use these words or phrases: ${voice.avoid.join(', ')}.` : ''}`,
  ];
  if (topic) {
    parts.push(`Current topic: ${topic.name} — ${topic.description}`);
    if (topic.scope) parts.push(`Scope: ${topic.scope}`);
    if (topic.instructions) parts.push(topic.instructions);
  }
  if (knowledge) parts.push(GROUNDING_RULES, `Knowledge passages:\n\n${knowledge}`);
  return parts.filter((p) => p && p.trim()).join('\n\n');
}

export async function actWithModel(turn: LlmTurn, system: string, messages: ModelMessage[]): Promise<LlmOutcome> {
  return loop(turn, system, messages, 0);
}

/** Continues a paused loop once every approval of the turn is decided. */
export async function resumeWithModel(turn: LlmTurn, cont: Extract<Continuation, { kind: 'llm' }>, decisions: Map<string, { approved: boolean; reason: string | null }>): Promise<LlmOutcome> {
  const results = [...cont.results];
  for (const { approvalId, call } of cont.waiting) {
    const d = decisions.get(approvalId);
    const outcome: ToolOutcome = d?.approved
      ? await runTool(turn.agent, call, turn.tracer, { sessionId: turn.sessionId, approvalId })
      : { ok: false, error: `a person denied this action${d?.reason ? `: ${d.reason}` : ''}` };
    results.push({ call, outcome });
  }
  const messages = [...cont.messages, toolMessage(results)];
  return loop(turn, cont.system, messages, cont.stepsUsed);
}

async function loop(turn: LlmTurn, system: string, messages: ModelMessage[], stepsUsed: number): Promise<LlmOutcome> {
  const { agent, handle, tracer } = turn;
  const maxSteps = agent.definition.limits.maxSteps;
  const topic = turn.topic ? agent.topics.get(turn.topic) : undefined;
  const allowed = new Set(topic?.actions ?? []);
  const tools = Object.fromEntries(
    [...allowed].map((name) => {
      const a = agent.actions.get(name)!;
      return [name, { description: a.description, inputSchema: a.input }];
    }),
  );
  while (stepsUsed < maxSteps) {
    stepsUsed++;
    const span = tracer.start('model', `answer step ${stepsUsed}`, { messages: messages.length, tools: Object.keys(tools) });
    let step;
    try {
      step = await callModel({ handle, system, messages, tools, onTextDelta: turn.onDelta });
    } catch (err) {
      span.fail(err, { model: handle.ref });
      throw err;
    }
    span.end({
      model: handle.ref,
      inputTokens: step.usage.inputTokens,
      outputTokens: step.usage.outputTokens,
      costUsd: step.costUsd,
      output: { text: step.text, toolCalls: step.toolCalls },
      attributes: {
        'gen_ai.system': handle.provider,
        'gen_ai.request.model': handle.name,
        'gen_ai.response.model': step.responseModel ?? handle.name,
        'gen_ai.response.finish_reasons': [step.finishReason],
        'gen_ai.usage.input_tokens': step.usage.inputTokens,
        'gen_ai.usage.output_tokens': step.usage.outputTokens,
        latency_ms: step.latencyMs,
        ...(step.cached ? { cached: true } : {}),
      },
    });
    if (step.toolCalls.length === 0) return { kind: 'reply', text: step.text };

    messages = [
      ...messages,
      {
        role: 'assistant',
        content: [
          ...(step.text ? [{ type: 'text' as const, text: step.text }] : []),
          ...step.toolCalls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.args })),
        ],
      },
    ];
    const results: Extract<Continuation, { kind: 'llm' }>['results'] = [];
    const waiting: PlannedCall[] = [];
    for (const c of step.toolCalls) {
      const call: PlannedCall = { id: c.id || newId('spn'), name: c.name, args: c.args };
      const action = agent.actions.get(c.name);
      if (!action || !allowed.has(c.name)) {
        results.push({ call, outcome: { ok: false, error: `action "${c.name}" is not available in this topic` } });
      } else if (action.approval === 'required') {
        waiting.push(call);
      } else {
        results.push({ call, outcome: await runTool(agent, call, tracer, { sessionId: turn.sessionId }) });
      }
    }
    if (waiting.length > 0) {
      const pausedMessages = messages;
      const used = stepsUsed;
      return {
        kind: 'suspend',
        text: step.text || `This needs approval from a team member before I can continue (${waiting.map((w) => w.name).join(', ')}).`,
        waiting,
        continuation: (approvalIds) => ({
          kind: 'llm',
          topic: turn.topic,
          confidence: turn.confidence,
          system,
          messages: pausedMessages,
          results,
          waiting: waiting.map((call, i) => ({ approvalId: approvalIds[i], call })),
          stepsUsed: used,
        }),
      };
    }
    messages = [...messages, toolMessage(results)];
  }
  throw new Error(`the step limit of ${maxSteps} model steps was reached without a final answer`);
}

function toolMessage(results: Extract<Continuation, { kind: 'llm' }>['results']): ModelMessage {
  const content: ToolResultPart[] = results.map(({ call, outcome }) => ({
    type: 'tool-result',
    toolCallId: call.id,
    toolName: call.name,
    output: outcome.ok ? { type: 'json', value: (outcome.result ?? null) as never } : { type: 'error-text', value: outcome.error },
  }));
  return { role: 'tool', content };
}
