import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, type AppDeps } from '../app.ts';
import { Approval, DecisionBody, DecisionResult, ErrorBody, IdParam, ListApprovalsQuery, jsonBody } from '../contracts.ts';

const errors = {
  400: { description: 'Invalid input.', content: jsonBody(ErrorBody) },
  404: { description: 'Unknown approval.', content: jsonBody(ErrorBody) },
  409: { description: 'The approval was already decided.', content: jsonBody(ErrorBody) },
};

const list = createRoute({
  method: 'get',
  path: '/v1/approvals',
  tags: ['approvals'],
  request: { query: ListApprovalsQuery },
  responses: { 200: { description: 'Approvals, newest first (pending by default).', content: jsonBody(z.object({ approvals: z.array(Approval) })) }, ...errors },
});

const decision = (verb: 'approve' | 'deny') =>
  createRoute({
    method: 'post',
    path: `/v1/approvals/{id}/${verb}`,
    tags: ['approvals'],
    request: { params: IdParam, body: { required: false, content: jsonBody(DecisionBody) } },
    responses: {
      200: { description: `Records the decision; when it was the turn's last open approval, the turn continues and its result is returned.`, content: jsonBody(DecisionResult) },
      ...errors,
    },
  });

export function approvalRoutes({ chat }: AppDeps) {
  const decide = (approved: boolean) => async (c: any) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json') ?? {};
    return c.json(await chat.decide(id, { approved, by: body.by ?? null, reason: body.reason ?? null }), 200);
  };
  return newRouter()
    .openapi(list, async (c) => {
      const q = c.req.valid('query');
      return c.json({ approvals: await chat.listApprovals({ status: q.status, sessionId: q.session, limit: q.limit }) }, 200);
    })
    .openapi(decision('approve'), decide(true))
    .openapi(decision('deny'), decide(false));
}
