import { z } from 'zod';
import { gateSchema } from '../eval/suite/schema.ts';

/**
 * The agent definition (`agent.yaml`). This zod schema is the single source of truth: the loader
 * validates with it, the published JSON Schema (schemas/agent.schema.json) is generated from it,
 * and the runtime reads the parsed type.
 */

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be lowercase letters, digits, "_" or "-", starting with a letter (max 64)');

/** `provider/model`, e.g. `openai/gpt-4o-mini`, `local/router`, `openai-compatible/llama3.1`. */
export const modelRef = z
  .string()
  .regex(/^(local|openai|azure|anthropic|openai-compatible)\/\S+$/, 'must be "provider/model" with provider one of local, openai, azure, anthropic, openai-compatible');

export const modelsSchema = z
  .strictObject({
    route: modelRef.default('local/router').describe('Classifies each utterance to a topic.'),
    answer: modelRef.default('local/extractive').describe('Runs the act step: tools and the answer.'),
    rewrite: modelRef.optional().describe('Rewrites multi-turn questions before retrieval.'),
    judge: modelRef.optional().describe('Grades answers in evaluations.'),
    embed: modelRef.optional().describe('Embeds knowledge and queries for vector retrieval (openai, azure or openai-compatible).'),
    rerank: modelRef.optional().describe('Reorders retrieved chunks (an openai-compatible /rerank endpoint).'),
    generate: modelRef.optional().describe('Generates test cases.'),
  })
  .prefault({});

export const voiceSchema = z
  .strictObject({
    persona: z.string().max(200).optional().describe('Who the agent speaks as, e.g. "Ava from Acme support".'),
    tone: z.enum(['friendly', 'formal', 'concise']).default('friendly'),
    greeting: z.string().max(300).optional().describe('Opens the first answer of a session.'),
    signoff: z.string().max(300).optional().describe('Closes answers that complete a request.'),
    avoid: z.array(z.string()).default([]).describe('Words or phrases the agent never uses.'),
  })
  .prefault({});

/** A JSON Schema object; its own validity is checked by the loader with Ajv. */
export const jsonSchemaObject = z.record(z.string(), z.unknown());

const httpImplementation = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).describe('Webhook URL; receives the validated arguments as a JSON body.'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  headers: z
    .record(z.string(), z.string())
    .default({})
    .describe('Header values may reference environment variables as ${env.NAME}; they are read at call time.'),
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
  retries: z.number().int().min(0).max(10).default(2).describe('Retries with backoff on network errors, 429 and 5xx.'),
});

const moduleImplementation = z.strictObject({
  type: z.literal('module'),
  module: z.string().min(1).describe('Path of a JS/TS module, relative to the agent file.'),
  export: z.string().min(1).default('default').describe('Name of the exported function (args, context) => result.'),
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

export const actionSchema = z.strictObject({
  name,
  description: z.string().min(1).describe('What the action does; shown to models choosing tools.'),
  input: jsonSchemaObject.default({ type: 'object', properties: {} }).describe('JSON Schema of the arguments.'),
  implementation: z.discriminatedUnion('type', [httpImplementation, moduleImplementation]),
  approval: z.enum(['none', 'required']).default('none').describe('"required" pauses the turn until a person approves.'),
});

/** How the ground step retrieves and hands knowledge to the answer model. */
const retrievalFields = {
  topK: z.number().int().min(1).max(50).describe('Chunks handed to the answer model at most.'),
  candidates: z.number().int().min(1).max(500).describe('Candidates taken from each index (full-text, vector) before fusion.'),
  minScore: z.number().min(0).describe('Full-text candidates scoring below this BM25 score are dropped.'),
  minSimilarity: z.number().min(-1).max(1).describe('Vector candidates below this cosine similarity are dropped.'),
  contextTokens: z.number().int().min(50).max(200_000).describe('Token budget of the passages handed to the answer model.'),
};

export const retrievalSchema = z
  .strictObject({
    topK: retrievalFields.topK.default(5),
    candidates: retrievalFields.candidates.default(20),
    minScore: retrievalFields.minScore.default(0),
    minSimilarity: retrievalFields.minSimilarity.default(0),
    contextTokens: retrievalFields.contextTokens.default(1500),
  })
  .prefault({});

/** A topic may override any retrieval setting of its agent. */
export const topicRetrievalSchema = z.strictObject({
  topK: retrievalFields.topK.optional(),
  candidates: retrievalFields.candidates.optional(),
  minScore: retrievalFields.minScore.optional(),
  minSimilarity: retrievalFields.minSimilarity.optional(),
  contextTokens: retrievalFields.contextTokens.optional(),
});

export const topicSchema = z.strictObject({
  name,
  description: z.string().min(1).describe('Classification description: what utterances belong here.'),
  scope: z.string().optional().describe('What the agent may and may not do within this topic.'),
  instructions: z.string().optional(),
  examples: z.array(z.string().min(1)).default([]).describe('Example utterances; they train the local router.'),
  actions: z.array(name).default([]).describe('Names of actions this topic may use.'),
  knowledge: z.array(name).default([]).describe('Names of knowledge sources this topic may read; empty means all.'),
  retrieval: topicRetrievalSchema.optional().describe("Overrides of the agent's retrieval settings for this topic."),
});

export const knowledgeSourceSchema = z.strictObject({
  name,
  path: z.string().min(1).describe('File or folder, relative to the agent file.'),
  description: z.string().optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional().describe("Where the documents are published: a chunk's link is this URL joined with its document's path."),
  chunking: z
    .strictObject({
      maxTokens: z.number().int().min(50).max(8000).default(350),
      overlapTokens: z.number().int().min(0).max(1000).default(40),
    })
    .prefault({})
    .describe('Chunk size and overlap, in tokens.'),
});

export const guardrailSchema = z.strictObject({
  type: z.enum(['pii', 'prompt_injection', 'toxicity', 'topic_scope', 'grounding', 'brand', 'retention']),
  on: z.array(z.enum(['input', 'context', 'action', 'output'])).default(['input', 'output']),
  mode: z.enum(['block', 'mask', 'flag']).default('flag'),
  options: z.record(z.string(), z.unknown()).default({}),
});

export const fallbackSchema = z
  .strictObject({
    threshold: z.number().min(0).max(1).default(0.3).describe('Below this router confidence the utterance is off-topic.'),
    message: z
      .string()
      .default("I'm sorry, I can't help with that here. I can help with the topics I was set up for.")
      .describe('Reply for off-topic utterances.'),
  })
  .prefault({});

export const agentDefinitionSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name,
    description: z.string().min(1).describe('The job: what this agent is for.'),
    models: modelsSchema,
    instructions: z.string().default(''),
    voice: voiceSchema,
    topics: z.array(topicSchema).min(1, 'an agent needs at least one topic'),
    actions: z.array(actionSchema).default([]),
    knowledge: z.array(knowledgeSourceSchema).default([]),
    retrieval: retrievalSchema,
    guardrails: z.array(guardrailSchema).default([]),
    fallback: fallbackSchema,
    gate: gateSchema.default([]).describe("Acceptance criteria of this agent's test runs, used when a suite sets none."),
    limits: z
      .strictObject({
        maxSteps: z.number().int().min(1).max(50).default(6).describe('Most model/tool steps in one turn.'),
        historyTurns: z.number().int().min(0).max(100).default(10).describe('Past turns sent to models.'),
      })
      .prefault({}),
  })
  .superRefine(
    (agent, ctx) => {
      // Runs even when other fields failed (see `when`), so a wrong reference is reported together
      // with the rest; the value may then be partly invalid, hence the defensive reads.
      const entries = (value: unknown): [number, Record<string, unknown>][] =>
        Array.isArray(value) ? value.flatMap((item: unknown, i) => (item && typeof item === 'object' && !Array.isArray(item) ? [[i, item as Record<string, unknown>] as [number, Record<string, unknown>]] : [])) : [];
      const strings = (value: unknown): [number, string][] =>
        Array.isArray(value) ? value.flatMap((item: unknown, i) => (typeof item === 'string' ? [[i, item] as [number, string]] : [])) : [];
      const namesOf = (value: unknown) => new Set(entries(value).flatMap(([, item]) => (typeof item.name === 'string' ? [item.name] : [])));
      const seen = (key: 'topics' | 'actions' | 'knowledge', kind: string) => {
        const names = new Set<string>();
        for (const [i, item] of entries(agent[key])) {
          if (typeof item.name !== 'string') continue;
          if (names.has(item.name)) ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate ${kind} name "${item.name}"` });
          names.add(item.name);
        }
      };
      seen('topics', 'topic');
      seen('actions', 'action');
      seen('knowledge', 'knowledge source');
      const actionNames = namesOf(agent.actions);
      const sourceNames = namesOf(agent.knowledge);
      for (const [t, topic] of entries(agent.topics)) {
        for (const [i, a] of strings(topic.actions)) {
          if (!actionNames.has(a)) ctx.addIssue({ code: 'custom', path: ['topics', t, 'actions', i], message: `unknown action "${a}"` });
        }
        for (const [i, k] of strings(topic.knowledge)) {
          if (!sourceNames.has(k)) ctx.addIssue({ code: 'custom', path: ['topics', t, 'knowledge', i], message: `unknown knowledge source "${k}"` });
        }
      }
    },
    { when: (payload) => !!payload.value && typeof payload.value === 'object' && !Array.isArray(payload.value) },
  );

export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;
export type AgentDefinitionInput = z.input<typeof agentDefinitionSchema>;
export type Topic = AgentDefinition['topics'][number];
export type ActionDefinition = AgentDefinition['actions'][number];
export type Voice = AgentDefinition['voice'];
export type StageName = keyof AgentDefinition['models'];
export type KnowledgeSource = AgentDefinition['knowledge'][number];
export type RetrievalSettings = AgentDefinition['retrieval'];
