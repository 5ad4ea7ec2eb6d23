import { createRoute, z } from '@hono/zod-openapi';
import { agentRun } from '../../eval/run/for-agent.ts';
import { runSuite } from '../../eval/run/runner.ts';
import { getRun, listRuns, resultCounts, resultsOf, type RunRow } from '../../eval/run/store.ts';
import { parseSuite } from '../../eval/suite/load.ts';
import { newRouter, type AppDeps } from '../app.ts';
import { ErrorBody, jsonBody } from '../contracts.ts';

/**
 * Test runs through the API: a run starts in the background and answers 202 with its id at once;
 * its results land in the store case by case, so polling the run shows progress, and the summary
 * appears when it completes.
 */

const StartBody = z
  .object({
    agent: z.string().min(1).openapi({ description: 'Name of an agent this server runs.', example: 'acme-support' }),
    suite: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).openapi({ description: 'The suite: its file text, or the same as a JSON object.' }),
    format: z.enum(['yaml', 'jsonl', 'csv']).default('yaml').openapi({ description: 'Format of `suite` when it is text.' }),
    concurrency: z.number().int().min(1).max(64).default(4),
    repeat: z.number().int().min(1).max(20).default(1),
    approvals: z.enum(['approve', 'deny']).default('approve'),
  })
  .openapi('StartTestRun');

const Run = z
  .object({
    id: z.string(),
    suiteName: z.string(),
    suiteVersion: z.string(),
    agentName: z.string(),
    agentVersion: z.string(),
    status: z.enum(['running', 'completed', 'interrupted', 'failed']),
    repeats: z.number(),
    caseCount: z.number(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    done: z.number().openapi({ description: 'Case results stored so far.' }),
    summary: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Aggregates and the gate verdict, once completed.' }),
  })
  .openapi('TestRun');

const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const errors = { 400: { description: 'Invalid request or suite', content: jsonBody(ErrorBody) }, 404: { description: 'Unknown agent or run', content: jsonBody(ErrorBody) } };

const start = createRoute({
  method: 'post',
  path: '/v1/test-runs',
  tags: ['testing'],
  request: { body: { required: true, content: jsonBody(StartBody) } },
  responses: { 202: { description: 'The run started; poll it for progress and the summary.', content: jsonBody(Run) }, ...errors },
});
const list = createRoute({
  method: 'get',
  path: '/v1/test-runs',
  tags: ['testing'],
  request: { query: z.object({ suite: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }) },
  responses: { 200: { description: 'Latest runs first.', content: jsonBody(z.object({ runs: z.array(Run) })) } },
});
const get = createRoute({
  method: 'get',
  path: '/v1/test-runs/{id}',
  tags: ['testing'],
  request: { params: IdParam },
  responses: { 200: { description: 'The run, with its summary once completed.', content: jsonBody(Run) }, ...errors },
});
const results = createRoute({
  method: 'get',
  path: '/v1/test-runs/{id}/results',
  tags: ['testing'],
  request: { params: IdParam },
  responses: { 200: { description: 'Every case result stored so far: scores, root cause, output and traces.', content: jsonBody(z.object({ results: z.array(z.record(z.string(), z.unknown())) })) }, ...errors },
});

export function testRunRoutes({ chat }: AppDeps) {
  const views = async (runs: RunRow[]) => {
    const done = await resultCounts(chat.db, chat.projectId, runs.map((r) => r.id));
    return runs.map((run) => ({
      ...run,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      done: done.get(run.id) ?? 0,
      summary: (run.summary as Record<string, unknown> | null) ?? null,
    }));
  };
  const view = async (run: RunRow) => (await views([run]))[0];
  return newRouter()
    .openapi(start, async (c) => {
      const body = c.req.valid('json');
      const agent = chat.agents.get(body.agent);
      const text = typeof body.suite === 'string' ? body.suite : JSON.stringify(body.suite);
      const format = typeof body.suite === 'string' ? body.format : 'yaml';
      const { suite } = parseSuite(text, `suite.${format}`);
      const setup = agentRun(chat, agent, suite, body.approvals);
      const created = await new Promise<RunRow>((resolve, reject) => {
        runSuite(chat.db, setup.suite, setup.target, setup.evaluators, {
          projectId: chat.projectId,
          agent: setup.agent,
          concurrency: body.concurrency,
          repeat: body.repeat,
          onCreated: resolve,
          // Once created, the run records its own failure in the store; before that, the request fails.
        }).catch(reject);
      });
      return c.json(await view(created), 202);
    })
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      const runs = await listRuns(chat.db, chat.projectId, { suite: q.suite, limit: q.limit });
      return c.json({ runs: await views(runs) }, 200);
    })
    .openapi(get, async (c) => c.json(await view(await getRun(chat.db, chat.projectId, c.req.valid('param').id)), 200))
    .openapi(results, async (c) => {
      const { id } = c.req.valid('param');
      await getRun(chat.db, chat.projectId, id);
      return c.json({ results: (await resultsOf(chat.db, chat.projectId, id)) as unknown as Record<string, unknown>[] }, 200);
    });
}
