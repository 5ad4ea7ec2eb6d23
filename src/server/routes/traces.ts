import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, type AppDeps } from '../app.ts';
import { ErrorBody, IdParam, ListTracesQuery, Trace, TraceWithSpans, jsonBody } from '../contracts.ts';
import { getTrace, listTraces } from '../../trace/store.ts';


const list = createRoute({
  method: 'get',
  path: '/v1/traces',
  tags: ['traces'],
  request: { query: ListTracesQuery },
  responses: {
    200: { description: 'Latest traces first.', content: jsonBody(z.object({ traces: z.array(Trace) })) },
    400: { description: 'Invalid query.', content: jsonBody(ErrorBody) },
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/traces/{id}',
  tags: ['traces'],
  request: { params: IdParam },
  responses: {
    200: { description: 'The trace with every span of its turn.', content: jsonBody(TraceWithSpans) },
    404: { description: 'Unknown trace.', content: jsonBody(ErrorBody) },
  },
});

export function traceRoutes({ chat }: AppDeps) {
  return newRouter()
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      const traces = await listTraces(chat.db, chat.projectId, { limit: q.limit, agentName: q.agent, sessionId: q.session, status: q.status });
      return c.json({ traces } as never, 200);
    })
    .openapi(get, async (c) => c.json((await getTrace(chat.db, chat.projectId, c.req.valid('param').id)) as never, 200));
}
