import { timingSafeEqual } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { AgentproofError, UnauthorizedError } from '../core/errors.ts';
import type { ChatService } from '../agent/chat-service.ts';
import { agentRoutes } from './routes/agents.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { traceRoutes } from './routes/traces.ts';
import { knowledgeRoutes } from './routes/knowledge.ts';
import { openaiRoutes } from './routes/openai.ts';
import { testRunRoutes } from './routes/test-runs.ts';

export interface AppDeps {
  chat: ChatService;
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

export type Api = OpenAPIHono;

/** Our error body for zod failures: one issue per field, with its path. */
export function validationHook(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }, c: Context) {
  if (result.success || !result.error) return;
  const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  return c.json({ error: { code: 'invalid_input', message: `invalid request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`, issues } }, 400);
}

export function newRouter(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: validationHook });
}

export function createApp(deps: AppDeps): OpenAPIHono {
  const app = newRouter();
  if (deps.apiKey) {
    const expected = Buffer.from(`Bearer ${deps.apiKey}`);
    app.use('*', async (c, next) => {
      const given = Buffer.from(c.req.header('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthorizedError();
      await next();
    });
  }
  app.route('/', agentRoutes(deps));
  app.route('/', sessionRoutes(deps));
  app.route('/', approvalRoutes(deps));
  app.route('/', traceRoutes(deps));
  app.route('/', knowledgeRoutes(deps));
  app.route('/', testRunRoutes(deps));
  app.route('/', openaiRoutes(deps));
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Agentproof API', version: '1.0.0', description: 'Sessions, messages, approvals and traces of the agents this server runs; plus an OpenAI-compatible chat-completions channel.' },
    security: deps.apiKey ? [{ bearer: [] }] : [],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof AgentproofError) return c.json(err.toJSON(), err.status as 400);
    if (err instanceof HTTPException) {
      const code = err.status === 400 ? 'invalid_json' : 'http_error';
      return c.json({ error: { code, message: err.message || 'bad request' } }, err.status);
    }
    console.error(err);
    return c.json({ error: { code: 'internal', message: 'internal error; see the server log' } }, 500);
  });
  return app;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}
