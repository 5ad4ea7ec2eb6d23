/**
 * A suite target that is an OpenAI chat-completions endpoint: OpenAI itself, or any server that
 * speaks its API (vLLM, Ollama, a gateway in front of another team's agent). The API is stateless,
 * so every user turn sends the conversation so far, with the endpoint's own earlier replies. Tool
 * calls in a reply are the actions; no tools are offered, so only an endpoint that runs its own
 * tools reports any. An endpoint's content filter is its guard: a filtered prompt or reply is
 * recorded as a block, so a failure it causes is blamed on the guard stage.
 */
import { APICallError } from 'ai';
import { errorMessage, ProviderError } from '../../core/errors.ts';
import { costOf } from '../../models/pricing.ts';
import type { CaseOutput, GuardBlock, ObservedAction, OpenAiTargetConfig, SuiteCase } from '../contracts.ts';
import { userMessages, type Target } from './agent.ts';
import { errorOutput, requestJson, roundMs } from './request.ts';
import { checkUrl, fillEnv, kindOf, readPath } from './template.ts';

interface Resolved {
  config: OpenAiTargetConfig;
  url: string;
  headers: Record<string, string>;
  /** The price table entry the usage is costed with. */
  priceRef: string;
}

/** Fills `${env.NAME}` and reads the API key now, so a missing variable stops the run before it starts. */
export function openaiTarget(config: OpenAiTargetConfig, env: NodeJS.ProcessEnv = process.env): Target {
  // The key is read like any `${env.NAME}`, so every missing variable is reported together.
  const key = config.apiKeyEnv ? { apiKeyEnv: `\${env.${config.apiKeyEnv}}` } : {};
  const filled = fillEnv({ ...key, baseUrl: config.baseUrl, headers: config.headers }, env, 'target');
  const baseUrl = filled.baseUrl.replace(/\/+$/, '');
  checkUrl(baseUrl, 'target.baseUrl');
  // A header the suite sets itself wins over the key.
  const headers = { ...(filled.apiKeyEnv ? { authorization: `Bearer ${filled.apiKeyEnv}` } : {}), ...filled.headers };
  // OpenAI's own endpoint has list prices; any other server is priced only if the price table says so.
  const priceRef = `${new URL(baseUrl).hostname === 'api.openai.com' ? 'openai' : 'openai-compatible'}/${config.model}`;
  const resolved: Resolved = { config, url: `${baseUrl}/chat/completions`, headers, priceRef };
  return { label: `${config.model} via ${config.baseUrl}`, run: (c, signal) => runCase(resolved, c, signal) };
}

interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

async function runCase(t: Resolved, c: SuiteCase, signal?: AbortSignal): Promise<CaseOutput> {
  const started = performance.now();
  const messages: Message[] = t.config.system ? [{ role: 'system', content: t.config.system }] : [];
  const actions: ObservedAction[] = [];
  let reply: string | null = null;
  let inputTokens = 0;
  let outputTokens = 0;
  let blocked: GuardBlock | undefined;
  try {
    for (const text of userMessages(c)) {
      signal?.throwIfAborted();
      messages.push({ role: 'user', content: text });
      let json: unknown;
      try {
        json = await requestJson(
          { method: 'POST', url: t.url, headers: t.headers, body: { model: t.config.model, messages } },
          { timeoutMs: t.config.timeoutMs, retries: t.config.retries, signal },
        );
      } catch (err) {
        blocked = promptFiltered(err);
        if (!blocked) throw err;
        reply = null;
        break;
      }
      const turn = readCompletion(json, `POST ${t.url}`);
      reply = turn.content;
      actions.push(...turn.actions);
      inputTokens += turn.inputTokens;
      outputTokens += turn.outputTokens;
      messages.push({ role: 'assistant', content: turn.content ?? '' });
      // A guard stopped the conversation here: the turns after it would answer a reply never given.
      blocked = turn.blocked;
      if (blocked) break;
    }
  } catch (err) {
    // An interrupted run stops here; the case is left without a result so a resume runs it again.
    if (signal?.aborted) throw err;
    return errorOutput(errorMessage(err), performance.now() - started);
  }
  return {
    status: 'completed',
    reply,
    // Chat completions have no notion of topics.
    topic: null,
    actions,
    sources: [],
    context: [],
    retrieved: [],
    latencyMs: roundMs(performance.now() - started),
    inputTokens,
    outputTokens,
    costUsd: costOf(t.priceRef, { inputTokens, outputTokens }).costUsd,
    traceIds: [],
    stages: null,
    error: null,
    ...(blocked ? { blocked } : {}),
  };
}

interface Turn {
  content: string | null;
  actions: ObservedAction[];
  inputTokens: number;
  outputTokens: number;
  blocked?: GuardBlock;
}

/**
 * Endpoints with a content filter (Azure OpenAI, many gateways) refuse a flagged prompt with a 400
 * whose error code is `content_filter`: the endpoint's input guard, not a broken request.
 */
function promptFiltered(err: unknown): GuardBlock | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (!APICallError.isInstance(e) || e.statusCode !== 400 || !e.responseBody) continue;
    let body: { error?: { code?: unknown; message?: unknown; innererror?: { content_filter_result?: unknown } } };
    try {
      body = JSON.parse(e.responseBody);
    } catch {
      return undefined;
    }
    if (body?.error?.code !== 'content_filter') return undefined;
    const flagged = flaggedCategories(body.error.innererror?.content_filter_result);
    const message = typeof body.error.message === 'string' ? body.error.message.slice(0, 200) : 'content_filter';
    return { stage: 'input', reason: flagged ? `the endpoint's content filter flagged ${flagged}` : `the endpoint refused the prompt: ${message}` };
  }
  return undefined;
}

/** `hate (high), violence (medium)` from Azure's per-category results; null when none is marked filtered. */
function flaggedCategories(results: unknown): string | null {
  if (!results || typeof results !== 'object') return null;
  const flagged = Object.entries(results as Record<string, { filtered?: unknown; severity?: unknown; detected?: unknown }>)
    .filter(([, r]) => r && typeof r === 'object' && (r.filtered === true || (r.detected === true && r.filtered !== false)))
    .map(([name, r]) => (typeof r.severity === 'string' && r.severity !== 'safe' ? `${name} (${r.severity})` : name));
  return flagged.length ? flagged.join(', ') : null;
}

function readCompletion(json: unknown, where: string): Turn {
  const message = readPath(json, 'choices[0].message');
  if (!message.found) throw new ProviderError(where, `not a chat completion: ${message.reason}`);
  const m = message.value as { content?: unknown; tool_calls?: unknown } | null;
  if (!m || typeof m !== 'object') throw new ProviderError(where, `not a chat completion: choices[0].message is ${kindOf(m)}`);
  const content = typeof m.content === 'string' ? m.content : null;
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
  const actions = calls.map((call: { function?: { name?: unknown; arguments?: unknown } }, i): ObservedAction => {
    const name = call?.function?.name;
    if (typeof name !== 'string') throw new ProviderError(where, `choices[0].message.tool_calls[${i}] has no function name`);
    return { name, args: parseArgs(call.function?.arguments), ok: true };
  });
  const usage = (json as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage;
  // choices[0] exists: its message was read above.
  const choice = (json as { choices: { finish_reason?: unknown; content_filter_results?: unknown }[] }).choices[0];
  const filtered = choice.finish_reason === 'content_filter';
  const flagged = filtered ? flaggedCategories(choice.content_filter_results) : null;
  return {
    ...(filtered ? { blocked: { stage: 'output' as const, reason: flagged ? `the endpoint's content filter flagged ${flagged}` : 'the endpoint withheld the reply (finish_reason content_filter)' } } : {}),
    content,
    actions,
    inputTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0,
    outputTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : 0,
  };
}

/** Tool arguments arrive as JSON text; text that is not a JSON object is kept whole, so it still shows in reports. */
function parseArgs(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw !== 'string' || !raw.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { _raw: raw };
  } catch {
    return { _raw: raw };
  }
}
