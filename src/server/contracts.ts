import { z } from '@hono/zod-openapi';

/** Request and response shapes of the HTTP API: validation at the edge and the OpenAPI document. */

/** A JSON body of the given schema, as route definitions spell it. */
export const jsonBody = <T>(schema: T) => ({ 'application/json': { schema } });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string().optional(), message: z.string(), file: z.string().optional(), line: z.number().optional() })).optional(),
    }),
  })
  .openapi('Error');

export const IdParam = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }) });

export const CreateSessionBody = z
  .object({ agent: z.string().min(1).openapi({ example: 'acme-support' }), channel: z.string().min(1).max(40).default('api') })
  .openapi('CreateSession');

export const Session = z
  .object({ id: z.string(), agent: z.string(), agentVersion: z.string(), channel: z.string(), createdAt: z.string() })
  .openapi('Session');

export const SessionWithMessages = Session.extend({
  messages: z.array(z.object({ role: z.string(), content: z.string(), turnId: z.string(), createdAt: z.string() })),
}).openapi('SessionWithMessages');

export const SendMessageBody = z
  .object({
    text: z.string().min(1).max(20_000).openapi({ example: 'Where is my order A1001?' }),
    stream: z.boolean().default(false).openapi({ description: 'Answer as server-sent events: route, delta, approval_required, done.' }),
    expectedSources: z
      .array(z.string().min(1))
      .max(100)
      .optional()
      .openapi({ description: 'Documents or knowledge sources that should be retrieved (a test case): the trace then records retrieval recall and precision.', example: ['returns-policy.md'] }),
  })
  .openapi('SendMessage');

export const Approval = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    turnId: z.string(),
    action: z.string(),
    arguments: z.record(z.string(), z.unknown()),
    status: z.enum(['pending', 'approved', 'denied']),
    decidedBy: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .openapi('Approval');

export const Citation = z.object({ n: z.number(), passageId: z.string(), source: z.string(), quote: z.string() }).openapi('Citation');

export const AnswerSource = z
  .object({
    n: z.number().describe('The [n] marker in the reply.'),
    chunkId: z.number(),
    source: z.string().describe('Knowledge source name.'),
    document: z.string().describe("The document's path within its source."),
    title: z.string(),
    section: z.string(),
    link: z.string().nullable(),
    supported: z.boolean().describe('Whether the cited chunk supports the sentence citing it.'),
  })
  .openapi('AnswerSource');

export const TurnResult = z
  .object({
    sessionId: z.string(),
    turnId: z.string(),
    traceId: z.string(),
    status: z.enum(['completed', 'awaiting_approval', 'failed', 'denied']),
    reply: z.string().nullable(),
    topic: z.string().nullable(),
    confidence: z.number().nullable(),
    citations: z.array(Citation),
    sources: z.array(AnswerSource),
    approvals: z.array(Approval),
    error: z.string().nullable(),
    agent: z.object({ name: z.string(), version: z.string() }),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }),
    latencyMs: z.number(),
  })
  .openapi('TurnResult');

export const ListApprovalsQuery = z.object({
  status: z.enum(['pending', 'approved', 'denied']).optional().default('pending'),
  session: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const DecisionBody = z
  .object({ by: z.string().max(200).optional(), reason: z.string().max(2000).optional() })
  .openapi('Decision');

export const DecisionResult = z.object({ approval: Approval, turn: TurnResult.nullable() }).openapi('DecisionResult');

export const ListTracesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  agent: z.string().optional(),
  session: z.string().optional(),
  status: z.enum(['completed', 'awaiting_approval', 'failed', 'denied']).optional(),
});

/** The six RAG stages; each object carries more fields than listed (see docs/knowledge.md). */
export const RagStages = z
  .object({
    query: z.looseObject({ original: z.string(), normalized: z.string(), rewritten: z.string().nullable(), language: z.string(), chars: z.number(), tokens: z.number(), empty: z.boolean(), overLong: z.boolean() }),
    retriever: z.looseObject({ latencyMs: z.number(), candidates: z.object({ fulltext: z.number(), vector: z.number().nullable() }), fused: z.number(), reranked: z.boolean() }),
    chunks: z.looseObject({ relevance: z.array(z.looseObject({ id: z.union([z.string(), z.number()]), relevance: z.number(), rank: z.number() })), meanRelevance: z.number().nullable() }),
    handoff: z.looseObject({ contextTokens: z.number(), budgetTokens: z.number(), included: z.array(z.unknown()), dropped: z.array(z.unknown()), citedPositions: z.array(z.unknown()) }),
    response: z.looseObject({ chars: z.number(), tokens: z.number(), abstained: z.boolean(), relevance: z.number().nullable(), method: z.enum(['offline', 'model']) }),
    grounding: z.looseObject({ made: z.number(), supported: z.number(), unsupported: z.array(z.string()), invalid: z.array(z.number()), supportRate: z.number().nullable() }),
  })
  .openapi('RagStages');

const TraceFields = {
  id: z.string(),
  projectId: z.string(),
  sessionId: z.string().nullable(),
  turnId: z.string().nullable(),
  agentName: z.string(),
  agentVersion: z.string(),
  channel: z.string(),
  status: z.enum(['completed', 'awaiting_approval', 'failed', 'denied']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  input: z.string(),
  output: z.string().nullable(),
  error: z.string().nullable(),
  topic: z.string().nullable(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  stages: RagStages.nullable().describe('The six RAG stages, when the turn read knowledge.'),
};

export const Span = z
  .object({
    id: z.string(),
    traceId: z.string(),
    parentId: z.string().nullable(),
    kind: z.enum(['turn', 'guard', 'route', 'retrieve', 'model', 'tool', 'approval', 'respond']),
    name: z.string(),
    status: z.enum(['ok', 'error', 'pending']),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    model: z.string().nullable(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    input: z.unknown(),
    output: z.unknown(),
    attributes: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
  })
  .openapi('Span');

export const Trace = z.object(TraceFields).openapi('Trace');
export const TraceWithSpans = z.object({ ...TraceFields, spans: z.array(Span) }).openapi('TraceWithSpans');

export const AgentSummary = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string(),
    models: z.record(z.string(), z.string().optional()),
    topics: z.array(z.object({ name: z.string(), description: z.string(), actions: z.array(z.string()) })),
    actions: z.array(z.object({ name: z.string(), description: z.string(), approval: z.enum(['none', 'required']) })),
  })
  .openapi('Agent');

/** The subset of OpenAI's chat-completions request this channel honours; other fields are accepted and ignored. */
export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).openapi({ description: 'The agent name.', example: 'acme-support' }),
    messages: z
      .array(
        z.object({
          role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
          content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()), z.null()]),
        }).loose(),
      )
      .min(1),
    stream: z.boolean().default(false),
  })
  .loose()
  .openapi('ChatCompletionRequest');
