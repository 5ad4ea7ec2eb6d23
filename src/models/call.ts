import { generateText, jsonSchema, streamText, type JSONSchema7, type LanguageModelUsage, type ModelMessage, type ToolSet } from 'ai';
import { z } from 'zod';
import { ProviderError, errorMessage } from '../core/errors.ts';
import type { RouterPrediction } from './local/contracts.ts';
import { costOf, type PriceTable, type TokenUsage } from './pricing.ts';
import type { LlmHandle } from './registry.ts';
import { CallerError, withRetries, type RetryOptions } from './retry.ts';
import { countTokens } from './tokens.ts';
import { cacheKey, modelScope } from './call-scope.ts';

/**
 * One model step of the turn's tool loop. Tools are declared without `execute`: the runtime runs
 * them itself, because some wait for a person's approval. Retries (retry.ts) are ours rather than
 * the SDK's; the streaming path retries only while no text has been shown.
 */

export interface ToolSpec {
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  inputSchema: Record<string, unknown>;
}

export interface ModelToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface CallModelOptions extends RetryOptions {
  handle: LlmHandle;
  system?: string;
  messages: ModelMessage[];
  tools?: Record<string, ToolSpec>;
  /** Given → the call streams, and each text delta is passed here in order. */
  onTextDelta?: (delta: string) => void;
  temperature?: number;
  maxOutputTokens?: number;
  /** Defaults to the process price table (defaults + AGENTPROOF_PRICES). */
  prices?: PriceTable;
}

export interface ModelStepResult {
  text: string;
  toolCalls: ModelToolCall[];
  /** `stop`, `tool-calls`, `length`, `content-filter`, `error`, `other`. */
  finishReason: string;
  usage: TokenUsage;
  /** True when the provider reported no usage and the counts are o200k estimates. */
  usageEstimated: boolean;
  costUsd: number;
  /** False when the model has no price in the table (cost reported as 0). */
  priced: boolean;
  /** Wall time of the whole step, retries included. */
  latencyMs: number;
  attempts: number;
  /** The model id the provider says answered (may differ from the requested name). */
  responseModel?: string;
  /** Answered from a test run's response cache, not by the provider. */
  cached?: boolean;
}

interface Attempt {
  text: string;
  toolCalls: ModelToolCall[];
  finishReason: string;
  usage: LanguageModelUsage | undefined;
  responseModel?: string;
}

export async function callModel(options: CallModelOptions): Promise<ModelStepResult> {
  const started = performance.now();
  const scope = modelScope();
  const key = scope?.cache ? cacheKey(options) : null;
  if (key) {
    const hit = await scope!.cache!.get(key);
    if (hit) {
      options.onTextDelta?.(hit.text);
      // Nothing was spent on this answer: it is the stored one.
      return { ...hit, costUsd: 0, latencyMs: performance.now() - started, attempts: 0, cached: true };
    }
  }
  const tools = options.tools ? toToolSet(options.tools) : undefined;
  // Set once a text delta has reached the caller: retrying then would show the text twice.
  const shown = { text: false };
  const call = () =>
    withRetries(
      options.handle.ref,
      options,
      (signal) => {
        shown.text = false;
        return options.onTextDelta ? streamAttempt(options, tools, signal, shown) : generateAttempt(options, tools, signal);
      },
      () => !shown.text,
    );
  const { value, attempts } = scope?.limiter ? await scope.limiter.run(options.handle.provider, call) : await call();
  const result = finish(options, value, attempts, started);
  if (key) await scope!.cache!.set(key, options.handle.ref, result);
  return result;
}

async function generateAttempt(options: CallModelOptions, tools: ToolSet | undefined, signal: AbortSignal): Promise<Attempt> {
  const result = await generateText({
    model: options.handle.model,
    system: options.system,
    messages: options.messages,
    tools,
    maxRetries: 0,
    abortSignal: signal,
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
  });
  return {
    text: result.text,
    toolCalls: result.toolCalls.map((call) => toToolCall(options.handle.ref, call)),
    finishReason: result.finishReason,
    usage: result.usage,
    responseModel: result.response.modelId,
  };
}

async function streamAttempt(options: CallModelOptions, tools: ToolSet | undefined, signal: AbortSignal, shown: { text: boolean }): Promise<Attempt> {
  const result = streamText({
    model: options.handle.model,
    system: options.system,
    messages: options.messages,
    tools,
    maxRetries: 0,
    abortSignal: signal,
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
    // Errors arrive as stream parts and are thrown below; the SDK's default would print them.
    onError: () => {},
  });
  const attempt: Attempt = { text: '', toolCalls: [], finishReason: 'other', usage: undefined };
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        if (!part.text) break;
        attempt.text += part.text;
        shown.text = true;
        try {
          options.onTextDelta?.(part.text);
        } catch (err) {
          throw new CallerError(err);
        }
        break;
      case 'tool-call':
        attempt.toolCalls.push(toToolCall(options.handle.ref, part));
        break;
      case 'finish-step':
        attempt.responseModel = part.response.modelId;
        break;
      case 'finish':
        attempt.finishReason = part.finishReason;
        attempt.usage = part.totalUsage;
        break;
      case 'error':
        throw part.error;
      case 'abort':
        throw signal.reason ?? new DOMException('the model call was aborted', 'AbortError');
    }
  }
  return attempt;
}

function finish(options: CallModelOptions, result: Attempt, attempts: number, started: number): ModelStepResult {
  const inputTokens = result.usage?.inputTokens;
  const outputTokens = result.usage?.outputTokens;
  const reported = inputTokens !== undefined && outputTokens !== undefined;
  const usage: TokenUsage = reported
    ? { inputTokens, outputTokens }
    : {
        inputTokens: countTokens([options.system ?? '', JSON.stringify(options.messages), options.tools ? JSON.stringify(options.tools) : ''].join('\n')),
        outputTokens: countTokens(result.text + (result.toolCalls.length ? JSON.stringify(result.toolCalls) : '')),
      };
  const { costUsd, priced } = costOf(options.handle.ref, usage, options.prices);
  return {
    text: result.text,
    toolCalls: result.toolCalls,
    finishReason: result.finishReason,
    usage,
    usageEstimated: !reported,
    costUsd,
    priced,
    latencyMs: Math.round(performance.now() - started),
    attempts,
    ...(result.responseModel ? { responseModel: result.responseModel } : {}),
  };
}

function toToolSet(specs: Record<string, ToolSpec>): ToolSet {
  const set: ToolSet = {};
  for (const [name, spec] of Object.entries(specs)) {
    set[name] = { description: spec.description, inputSchema: jsonSchema(spec.inputSchema as JSONSchema7) };
  }
  return set;
}

type SdkToolCall = { toolCallId: string; toolName: string; input: unknown; invalid?: boolean; error?: unknown };

/** An unparseable or unknown tool call is the model failing, reported rather than passed on as `{}`. */
function toToolCall(ref: string, call: SdkToolCall): ModelToolCall {
  if (call.invalid) {
    throw new ProviderError(ref, `returned an invalid call to tool "${call.toolName}": ${errorMessage(call.error)}`, { cause: call.error });
  }
  const args = call.input ?? {};
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new ProviderError(ref, `returned arguments for tool "${call.toolName}" that are not a JSON object: ${JSON.stringify(args)}`);
  }
  return { id: call.toolCallId, name: call.toolName, args: args as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------
// Routing with an LLM

export const OFF_TOPIC = 'off_topic';

export interface ClassifyOptions {
  timeoutMs?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  abortSignal?: AbortSignal;
  prices?: PriceTable;
}

export type ModelClassification = RouterPrediction & {
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  attempts: number;
};

const verdictSchema = z.object({
  topic: z.string().min(1),
  confidence: z.number().min(0).max(1),
});

/**
 * Asks the model for `{"topic", "confidence"}`. The ranking holds only the chosen label: an LLM
 * gives no distribution over the others, and inventing one would look like a measurement.
 */
export async function classifyWithModel(
  handle: LlmHandle,
  utterance: string,
  topics: { name: string; description: string }[],
  history: { role: 'user' | 'assistant'; content: string }[] = [],
  options: ClassifyOptions = {},
): Promise<ModelClassification> {
  const system = [
    'You route messages sent to an assistant to exactly one topic.',
    `Topics (name: what belongs there):`,
    ...topics.map((t) => `- ${t.name}: ${t.description.replace(/\s+/g, ' ').trim()}`),
    `- ${OFF_TOPIC}: anything that belongs to none of the topics above`,
    '',
    'Reply with only a JSON object, no other text and no code fence:',
    `{"topic": "<one topic name from the list, or ${OFF_TOPIC}>", "confidence": <number from 0 to 1>}`,
  ].join('\n');
  const conversation = history.length
    ? `Conversation so far:\n${history.map((h) => `${h.role}: ${h.content}`).join('\n')}\n\nClassify the latest message:\n${utterance}`
    : utterance;
  const step = await callModel({ handle, system, messages: [{ role: 'user', content: conversation }], temperature: 0, ...options });
  const verdict = parseVerdict(handle.ref, step.text, new Set([...topics.map((t) => t.name), OFF_TOPIC]));
  return {
    label: verdict.topic,
    confidence: verdict.confidence,
    ranking: [{ label: verdict.topic, probability: verdict.confidence }],
    usage: step.usage,
    costUsd: step.costUsd,
    latencyMs: step.latencyMs,
    attempts: step.attempts,
  };
}

function parseVerdict(ref: string, reply: string, labels: Set<string>): z.infer<typeof verdictSchema> {
  const quoted = JSON.stringify(reply.length > 200 ? `${reply.slice(0, 200)}…` : reply);
  // A fenced block is the one liberty models take most often with "JSON only"; anything else is malformed.
  const body = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new ProviderError(ref, `routing reply is not JSON: ${quoted}`);
  }
  const parsed = verdictSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(ref, `routing reply is malformed (${issue.path.join('.') || 'reply'}: ${issue.message}): ${quoted}`);
  }
  if (!labels.has(parsed.data.topic)) {
    throw new ProviderError(ref, `routing reply names unknown topic "${parsed.data.topic}": ${quoted}`);
  }
  return parsed.data;
}
