import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, type AppDeps } from '../app.ts';
import { AgentSummary } from '../contracts.ts';

const health = createRoute({
  method: 'get',
  path: '/v1/health',
  tags: ['agents'],
  responses: { 200: { description: 'The server is up.', content: { 'application/json': { schema: z.object({ ok: z.boolean(), store: z.string(), agents: z.number() }) } } } },
});

const list = createRoute({
  method: 'get',
  path: '/v1/agents',
  tags: ['agents'],
  responses: { 200: { description: 'Agents this server runs, each at its loaded version.', content: { 'application/json': { schema: z.object({ agents: z.array(AgentSummary) }) } } } },
});

export function agentRoutes({ chat }: AppDeps) {
  return newRouter()
    .openapi(health, (c) => c.json({ ok: true, store: chat.db.kind, agents: chat.agents.list().length }, 200))
    .openapi(list, (c) =>
      c.json(
        {
          agents: chat.agents.list().map((a) => ({
            name: a.definition.name,
            version: a.version,
            description: a.definition.description,
            models: { ...a.definition.models },
            topics: a.definition.topics.map((t) => ({ name: t.name, description: t.description, actions: t.actions })),
            actions: a.definition.actions.map((x) => ({ name: x.name, description: x.description, approval: x.approval })),
          })),
        },
        200,
      ),
    );
}
