import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { newRouter, type AppDeps } from '../app.ts';
import { CreateSessionBody, ErrorBody, IdParam, SendMessageBody, Session, SessionWithMessages, TurnResult, jsonBody } from '../contracts.ts';
import type { TurnEvent } from '../../agent/runtime/types.ts';

const errors = {
  400: { description: 'Invalid input; the issues name each field.', content: jsonBody(ErrorBody) },
  404: { description: 'Unknown agent or session.', content: jsonBody(ErrorBody) },
};

const create = createRoute({
  method: 'post',
  path: '/v1/sessions',
  tags: ['sessions'],
  request: { body: { required: true, content: jsonBody(CreateSessionBody) } },
  responses: { 201: { description: 'The new session.', content: jsonBody(Session) }, ...errors },
});

const get = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}',
  tags: ['sessions'],
  request: { params: IdParam },
  responses: { 200: { description: 'The session and its messages.', content: jsonBody(SessionWithMessages) }, ...errors },
});

const send = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/messages',
  tags: ['sessions'],
  request: { params: IdParam, body: { required: true, content: jsonBody(SendMessageBody) } },
  responses: {
    200: {
      description: 'The turn: the reply, or `awaiting_approval` with the pending approvals. With `stream: true`, server-sent events `route`, `delta`, `approval_required` and a final `done` carrying this same object.',
      content: { ...jsonBody(TurnResult), 'text/event-stream': { schema: TurnResult } },
    },
    ...errors,
  },
});

export function sessionRoutes({ chat }: AppDeps) {
  return newRouter()
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      return c.json(await chat.createSession(body.agent, body.channel), 201);
    })
    .openapi(get, async (c) => c.json(await chat.getSession(c.req.valid('param').id), 200))
    .openapi(send, async (c) => {
      const { id } = c.req.valid('param');
      const { text, stream, expectedSources } = c.req.valid('json');
      if (!stream) return c.json(await chat.send(id, text, { expectedSources }), 200);
      await chat.getSession(id); // unknown session → 404 before the stream starts
      return streamSSE(c, async (sse) => {
        const queue: TurnEvent[] = [];
        let wake: (() => void) | null = null;
        let finished = false;
        const push = (e: TurnEvent) => {
          queue.push(e);
          wake?.();
        };
        const turn = chat.send(id, text, { onEvent: push, expectedSources }).then(
          () => undefined,
          (err: unknown) => push({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
        ).finally(() => {
          finished = true;
          wake?.();
        });
        while (!finished || queue.length > 0) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          wake = null;
          for (const e of queue.splice(0)) await sse.writeSSE({ event: e.type, data: JSON.stringify(e.type === 'done' ? e.result : e) });
        }
        await turn;
      }) as never;
    });
}
