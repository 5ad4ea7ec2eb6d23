import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { newRouter, type AppDeps } from '../app.ts';
import { ChatCompletionRequest, ErrorBody, jsonBody } from '../contracts.ts';
import { InputError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { TurnResult } from '../../agent/runtime/types.ts';


const completions = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  tags: ['openai'],
  summary: 'OpenAI-compatible chat completions; `model` names the agent.',
  request: { body: { required: true, content: jsonBody(ChatCompletionRequest) } },
  responses: {
    200: { description: 'A chat.completion (or chat.completion.chunk events when `stream` is true). The `agentproof` field carries the trace id, topic, status and approvals.', content: jsonBody(z.record(z.string(), z.unknown())) },
    400: { description: 'Invalid request.', content: jsonBody(ErrorBody) },
    404: { description: 'No agent with that name.', content: jsonBody(ErrorBody) },
    502: { description: 'The turn failed (provider or action error); the trace id is in the body.', content: jsonBody(ErrorBody) },
  },
});

const models = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['openai'],
  responses: { 200: { description: 'The agents, as OpenAI models.', content: jsonBody(z.record(z.string(), z.unknown())) } },
});

type Msg = z.infer<typeof ChatCompletionRequest>['messages'][number];

function textOf(m: Msg): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p) => p.text ?? '').join('');
  return '';
}

/** The last user message is the turn; earlier user/assistant messages are its history. */
function splitConversation(messages: Msg[]): { history: { role: 'user' | 'assistant'; content: string }[]; utterance: string } {
  const last = messages.findLastIndex((m) => m.role === 'user');
  if (last < 0 || !textOf(messages[last]).trim()) {
    throw new InputError('the conversation has no user message to answer', [{ path: 'messages', message: 'must contain a user message with text' }]);
  }
  const history = messages
    .slice(0, last)
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: textOf(m) }))
    .filter((m) => m.content.trim());
  return { history, utterance: textOf(messages[last]) };
}

function extension(r: TurnResult) {
  return { trace_id: r.traceId, session_id: r.sessionId, status: r.status, topic: r.topic, confidence: r.confidence, citations: r.citations, sources: r.sources, approvals: r.approvals };
}

export function openaiRoutes({ chat }: AppDeps) {
  return newRouter()
    .openapi(models, (c) =>
      c.json({ object: 'list', data: chat.agents.list().map((a) => ({ id: a.definition.name, object: 'model', created: 0, owned_by: 'agentproof' })) }, 200),
    )
    .openapi(completions, async (c) => {
      const body = c.req.valid('json');
      chat.agents.get(body.model); // unknown agent → 404 before anything runs
      const { history, utterance } = splitConversation(body.messages);
      const id = newId('chatcmpl').replace('chatcmpl_', 'chatcmpl-');
      const created = Math.floor(Date.now() / 1000);
      if (!body.stream) {
        const r = await chat.sendWithHistory(body.model, history, utterance, { channel: 'openai' });
        if (r.status === 'failed') return c.json({ error: { code: 'turn_failed', message: r.error ?? 'the turn failed', trace_id: r.traceId } }, 502);
        return c.json(
          {
            id,
            object: 'chat.completion',
            created,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: r.reply ?? '' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: r.usage.inputTokens, completion_tokens: r.usage.outputTokens, total_tokens: r.usage.inputTokens + r.usage.outputTokens },
            agentproof: extension(r),
          },
          200,
        );
      }
      return streamSSE(c, async (sse) => {
        const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
          sse.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra }) });
        await chunk({ role: 'assistant', content: '' }, null);
        const deltas: string[] = [];
        let writing = Promise.resolve();
        const r = await chat.sendWithHistory(body.model, history, utterance, {
          channel: 'openai',
          onEvent: (e) => {
            if (e.type === 'delta' && e.text) {
              deltas.push(e.text);
              writing = writing.then(() => chunk({ content: e.text }, null));
            }
          },
        });
        await writing;
        if (r.status === 'failed') {
          await sse.writeSSE({ data: JSON.stringify({ error: { code: 'turn_failed', message: r.error ?? 'the turn failed', trace_id: r.traceId } }) });
        } else {
          // A local answer is composed in one piece; if voice or guards changed it after streaming, send the rest.
          const streamed = deltas.join('');
          if (r.reply && r.reply !== streamed && r.reply.startsWith(streamed)) await chunk({ content: r.reply.slice(streamed.length) }, null);
          await chunk({}, 'stop', {
            usage: { prompt_tokens: r.usage.inputTokens, completion_tokens: r.usage.outputTokens, total_tokens: r.usage.inputTokens + r.usage.outputTokens },
            agentproof: extension(r),
          });
        }
        await sse.writeSSE({ data: '[DONE]' });
      }) as never;
    });
}
