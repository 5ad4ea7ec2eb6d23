/**
 * A suite target that is any agent with an HTTP endpoint: each user turn of a case becomes one
 * request built from the suite's template, and the reply's fields are read with the suite's
 * response mapping. What the agent did inside is not visible, so the output holds what the reply
 * says: the answer, and the topic, actions, sources and guardrail blocks if the endpoint reports them.
 */
import { errorMessage, ProviderError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { CaseOutput, ConversationTurn, GuardBlock, HttpTargetConfig, ObservedAction, SuiteCase } from '../contracts.ts';
import { userMessages, type Target } from './agent.ts';
import { errorOutput, requestJson, roundMs } from './request.ts';
import { checkUrl, fillEnv, fillJson, fillText, kindOf, readPath, type RequestVariables } from './template.ts';

/**
 * `config` as the suite gives it: its `${env.NAME}` references are filled in from `env` now, so a
 * missing variable or a URL that is still wrong is an InputError before any case runs.
 */
export function httpTarget(config: HttpTargetConfig, env: NodeJS.ProcessEnv = process.env): Target {
  // One pass over every field, so all missing variables are reported together.
  const { url, headers, body } = config;
  const filled: HttpTargetConfig = { ...config, ...fillEnv({ url, headers, ...(body === undefined ? {} : { body }) }, env, 'target') };
  checkUrl(filled.url, 'target.url');
  return { label: labelOf(config.url), run: (c, signal) => runCase(filled, c, signal) };
}

/** The endpoint without its query, which may carry keys. */
function labelOf(url: string): string {
  return url.replace(/[?#].*$/, '');
}

interface Reply {
  answer: string | null;
  topic: string | null;
  actions: ObservedAction[];
  sources: CaseOutput['sources'];
  blocked?: GuardBlock;
}

async function runCase(cfg: HttpTargetConfig, c: SuiteCase, signal?: AbortSignal): Promise<CaseOutput> {
  const started = performance.now();
  const session = newId('sess');
  const history: ConversationTurn[] = [];
  const actions: ObservedAction[] = [];
  let last: Reply | undefined;
  try {
    for (const utterance of userMessages(c)) {
      signal?.throwIfAborted();
      history.push({ role: 'user', content: utterance });
      // With a session the endpoint keeps the earlier turns itself; sending them again would repeat them.
      const conversation = cfg.multiTurn === 'resend' ? [...history] : [{ role: 'user' as const, content: utterance }];
      const vars: RequestVariables = { utterance, conversation, session, 'case.id': c.id };
      const url = fillText(cfg.url, vars, encodeURIComponent);
      const where = `${cfg.method} ${url}`;
      const json = await requestJson(
        {
          method: cfg.method,
          url,
          headers: Object.fromEntries(Object.entries(cfg.headers).map(([k, v]) => [k, fillText(v, vars)])),
          ...(cfg.body === undefined ? {} : { body: fillJson(cfg.body, vars) }),
        },
        { timeoutMs: cfg.timeoutMs, retries: cfg.retries, signal },
      );
      last = mapReply(json, cfg.response, where);
      actions.push(...last.actions);
      history.push({ role: 'assistant', content: last.answer ?? '' });
      // The turns after a block would answer a reply the user never got.
      if (last.blocked) break;
    }
  } catch (err) {
    // An interrupted run stops here; the case is left without a result so a resume runs it again.
    if (signal?.aborted) throw err;
    return errorOutput(errorMessage(err), performance.now() - started);
  }
  return {
    status: 'completed',
    reply: last?.answer ?? null,
    topic: last?.topic ?? null,
    actions,
    sources: last?.sources ?? [],
    context: [],
    retrieved: [],
    latencyMs: roundMs(performance.now() - started),
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    traceIds: [],
    stages: null,
    error: null,
    ...(last?.blocked ? { blocked: last.blocked } : {}),
  };
}

function mapReply(json: unknown, mapping: HttpTargetConfig['response'], where: string): Reply {
  const at = (field: keyof HttpTargetConfig['response']): unknown => {
    const path = mapping[field] as string;
    const found = readPath(json, path);
    if (!found.found) throw new ProviderError(where, `response.${field} "${path}" is not in the reply: ${found.reason}`);
    return found.value;
  };
  const wrong = (field: string, what: string) => new ProviderError(where, `response.${field} "${mapping[field as keyof typeof mapping]}" ${what}`);

  const answer = at('answer');
  if (answer !== null && typeof answer !== 'string') throw wrong('answer', `is ${kindOf(answer)}, expected the reply text`);
  const topic = mapping.topic === undefined ? null : at('topic');
  if (topic !== null && typeof topic !== 'string') throw wrong('topic', `is ${kindOf(topic)}, expected a topic name or null`);
  return {
    ...blockedOf(json, mapping.blocked, wrong),
    answer,
    topic,
    actions: mapping.actions === undefined ? [] : listOf(at('actions'), 'actions', wrong).map((item, i) => actionOf(item, i, wrong)),
    sources: mapping.sources === undefined ? [] : listOf(at('sources'), 'sources', wrong).map((item, i) => sourceOf(item, i, wrong)),
  };
}

type Wrong = (field: string, what: string) => Error;

/**
 * The agent's own word that a guardrail stopped the turn. Agents mostly say so only when it
 * happens, so a path missing from the reply means no block, unlike the other fields.
 */
function blockedOf(json: unknown, path: string | undefined, wrong: Wrong): { blocked?: GuardBlock } {
  if (path === undefined) return {};
  const found = readPath(json, path);
  const v = found.found ? found.value : null;
  if (v === null || v === false || v === '') return {};
  if (v === true) return { blocked: { stage: 'input', reason: 'the agent reports a guardrail block' } };
  if (typeof v === 'string') return { blocked: { stage: 'input', reason: v } };
  const o = typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  if (!o || (o.stage !== undefined && o.stage !== 'input' && o.stage !== 'output') || (o.reason !== undefined && typeof o.reason !== 'string')) {
    throw wrong('blocked', `is ${kindOf(v)}, expected true, a reason, or { stage: input|output, reason }`);
  }
  return { blocked: { stage: (o.stage as GuardBlock['stage'] | undefined) ?? 'input', reason: (o.reason as string | undefined) || 'the agent reports a guardrail block' } };
}

function listOf(value: unknown, field: string, wrong: Wrong): unknown[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw wrong(field, `is ${kindOf(value)}, expected an array`);
  return value;
}

/** A name, or { name, args } where args may be a JSON string as in OpenAI tool calls; `ok: false` marks a failed call. */
function actionOf(item: unknown, i: number, wrong: Wrong): ObservedAction {
  if (typeof item === 'string' && item.trim()) return { name: item, args: {}, ok: true };
  const o = item && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : null;
  if (!o || typeof o.name !== 'string' || !o.name.trim()) throw wrong('actions', `[${i}] is ${kindOf(item)}, expected an action name or { name, args }`);
  let args: unknown = o.args ?? o.arguments ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args || '{}');
    } catch {
      throw wrong('actions', `[${i}].args is a string that is not JSON`);
    }
  }
  if (!args || typeof args !== 'object' || Array.isArray(args)) throw wrong('actions', `[${i}].args is ${kindOf(args)}, expected an object`);
  return { name: o.name, args: args as Record<string, unknown>, ok: o.ok !== false };
}

/**
 * A document name, or { document, source?, supported? }. The agent's own word is taken on whether
 * a citation is supported (true unless it says false): its passages are not visible from here.
 */
function sourceOf(item: unknown, i: number, wrong: Wrong): CaseOutput['sources'][number] {
  if (typeof item === 'string' && item.trim()) return { document: item, source: '', supported: true };
  const o = item && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : null;
  if (!o || typeof o.document !== 'string' || !o.document.trim()) throw wrong('sources', `[${i}] is ${kindOf(item)}, expected a document name or { document }`);
  return { document: o.document, source: typeof o.source === 'string' ? o.source : '', supported: o.supported !== false };
}
