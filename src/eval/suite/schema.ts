import { z } from 'zod';
import { targetSchema } from './target-schema.ts';

/**
 * The suite file (YAML; JSONL and CSV suites are validated against the same schema once their rows
 * are read). This zod schema is the single source of truth: loaders validate with it, the published
 * JSON Schema (schemas/suite.schema.json) is generated from it, and its output is close to the
 * `Suite` of ../contracts.ts (the loader adds ids, locations and the version).
 */

const text = z.string().regex(/\S/, 'must not be empty');

/** Evaluator and metric names: `topic_match`, `rouge_l`, `latency_ms`... */
const snakeName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case: lowercase letters, digits and "_", starting with a letter');

/** Metrics where a smaller value is better: their gate criteria default to `<=`. */
export const LOWER_IS_BETTER_METRICS: ReadonlySet<string> = new Set(['latency_ms', 'tokens', 'cost_usd']);

export function defaultGateOp(metric: string): '>=' | '<=' {
  return LOWER_IS_BETTER_METRICS.has(metric) ? '<=' : '>=';
}

export const evaluatorSettingSchema = z.strictObject(
  {
    threshold: z.number().describe('Pass when the score is at least this (for latency, tokens and cost: at most).'),
    enabled: z.boolean().describe('false turns the evaluator off.'),
    options: z.record(z.string(), z.unknown()).describe('Evaluator-specific options (a pattern, a JSON Schema, a maximum...).'),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'an evaluator setting must be a mapping with threshold, enabled and/or options' : undefined) },
).partial();

export const evaluatorsSchema = z
  .record(snakeName, evaluatorSettingSchema)
  .describe('Evaluator settings by evaluator name, e.g. { faithfulness: { threshold: 0.8 }, rouge_l: { enabled: false } }.');

const aggregate = z.enum(['mean', 'pass_rate', 'p50', 'p95', 'max', 'min']);
const op = z.enum(['>=', '<=']);

const GATE_TEXT = /^\s*([a-z][a-z0-9_]{0,63})\s+(mean|pass_rate|p50|p95|max|min)\s+(?:(>=|<=)\s*)?(-?\d+(?:\.\d+)?(?:e-?\d+)?)(?:\s+min\s+(\d+))?\s*$/;

const gateObject = z
  .strictObject({
    metric: snakeName.describe('An evaluator name, or latency_ms, tokens, cost_usd, case_pass...'),
    aggregate: aggregate.describe('How the per-case values are combined.'),
    op: op.optional().describe('Default: "<=" for latency_ms, tokens and cost_usd, ">=" otherwise.'),
    threshold: z.number(),
    minCases: z.number().int().min(1).optional().describe('The gate fails when fewer cases were scored on the metric.'),
  })
  .superRefine((g, ctx) => {
    if (g.aggregate === 'pass_rate' && (g.threshold < 0 || g.threshold > 1)) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a pass_rate threshold is a fraction between 0 and 1' });
    }
  })
  .transform(({ metric, aggregate, op, threshold, minCases }) => ({
    metric,
    aggregate,
    op: op ?? defaultGateOp(metric),
    threshold,
    ...(minCases === undefined ? {} : { minCases }),
  }));

const gateText = z
  .string()
  .regex(GATE_TEXT, 'must read "<metric> <aggregate> [>=|<=] <threshold> [min <cases>]", e.g. "topic_match mean >= 0.9 min 20"')
  .transform((s, ctx) => {
    const [, metric, agg, given, threshold, minCases] = GATE_TEXT.exec(s) as RegExpExecArray;
    const parsed = gateObject.safeParse({ metric, aggregate: agg, ...(given ? { op: given } : {}), threshold: Number(threshold), ...(minCases ? { minCases: Number(minCases) } : {}) });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  });

export const gateCriterionSchema = z.union([gateObject, gateText], {
  error: 'a gate criterion is { metric, aggregate, op?, threshold, minCases? } or a line like "topic_match mean >= 0.9 min 20"',
});

export const gateSchema = z.array(gateCriterionSchema).describe('Acceptance criteria: the run passes when every criterion holds.');

const conversationTurn = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: text,
});

const expectedAction = z.union(
  [
    text.transform((name) => ({ name })),
    z.strictObject({
      name: text,
      args: z.record(z.string(), z.unknown()).optional().describe('Arguments the call must have had (only these keys are compared).'),
    }),
  ],
  { error: 'an expected action is a name or { name, args }' },
);

const OFF_TOPIC = 'off_topic';

const caseFields = z.strictObject({
  id: z
    .union([z.string().regex(/^\S(.*\S)?$/, 'must not be empty or start or end with spaces').max(200), z.number().int()])
    .transform(String)
    .optional()
    .describe('Stable case id; default case-<n>, n its 1-based position.'),
  utterance: text.optional().describe('One message to send (or give conversation).'),
  conversation: z
    .array(conversationTurn)
    .min(1)
    .optional()
    .describe('Several messages; user turns are sent in order, assistant turns say what replies should resemble.'),
  expectedTopic: z
    .union([text, z.null()], { error: `must be a topic name, or null / "${OFF_TOPIC}" for an off-topic message` })
    .transform((t) => (t === OFF_TOPIC ? null : t))
    .optional()
    .describe(`The topic the (last) message routes to; null or "${OFF_TOPIC}": it should be refused as off-topic.`),
  expectedActions: z.array(expectedAction).optional().describe('Actions the agent should call, in order.'),
  expectedOutcome: text.optional().describe('What a good answer does, in natural language (model-graded).'),
  reference: text.optional().describe('A reference answer.'),
  expectedSources: z.array(text).optional().describe('Documents retrieval should find.'),
  mustInclude: z.array(text).optional(),
  mustNotInclude: z.array(text).optional(),
  tags: z.array(text).default([]),
  evaluators: evaluatorsSchema.optional().describe('Overrides of the suite evaluator settings for this case.'),
});

export const suiteCaseSchema = caseFields.superRefine(
  (c, ctx) => {
    // Runs even when other fields failed (see `when`), so the value may be partly invalid.
    const value = c as Record<string, unknown>;
    const hasUtterance = value.utterance !== undefined;
    const hasConversation = value.conversation !== undefined;
    if (hasUtterance && hasConversation) {
      ctx.addIssue({ code: 'custom', path: ['conversation'], message: 'a case has either utterance or conversation, not both' });
    } else if (!hasUtterance && !hasConversation) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a case needs an utterance or a conversation' });
    }
    if (Array.isArray(value.conversation) && value.conversation.length && !value.conversation.some((t: unknown) => (t as { role?: unknown } | null)?.role === 'user')) {
      ctx.addIssue({ code: 'custom', path: ['conversation'], message: 'a conversation needs at least one user turn' });
    }
  },
  { when: (payload) => !!payload.value && typeof payload.value === 'object' && !Array.isArray(payload.value) },
).meta({
  // Lets editors flag the rule too; zod copies metadata into the generated JSON Schema.
  oneOf: [{ required: ['utterance'] }, { required: ['conversation'] }],
});

const suiteSettings = {
  $schema: z.string().optional().describe('For editors; ignored.'),
  name: text.max(200).describe('The suite name; runs are grouped by it.'),
  description: z.string().optional(),
  agent: text.optional().describe('The agent tested when none is given on the command line: an agent file, folder or name.'),
  target: targetSchema.optional(),
  evaluators: evaluatorsSchema.default({}),
  gate: gateSchema.default([]),
};

export const suiteFileSchema = z
  .strictObject({
    ...suiteSettings,
    cases: z.array(suiteCaseSchema).min(1, 'a suite needs at least one case'),
  })
  .superRefine(
    (suite, ctx) => {
      // Ids are compared as the loader will assign them, so a given "case-3" clashes with the third case's default.
      const cases: unknown[] = Array.isArray(suite.cases) ? suite.cases : [];
      const seen = new Map<string, number>();
      for (const [i, c] of cases.entries()) {
        const given = (c as { id?: unknown } | null)?.id;
        const id = typeof given === 'string' || typeof given === 'number' ? String(given) : defaultCaseId(i);
        const first = seen.get(id);
        if (first === undefined) seen.set(id, i);
        else ctx.addIssue({ code: 'custom', path: ['cases', i, ...(given === undefined ? [] : ['id'])], message: `duplicate case id "${id}" (also cases[${first}])` });
      }
    },
    { when: (payload) => !!payload.value && typeof payload.value === 'object' && !Array.isArray(payload.value) },
  );

/** The id of a case that gives none: `case-<n>`, n its 1-based position. */
export function defaultCaseId(index: number): string {
  return `case-${index + 1}`;
}

export type SuiteFile = z.output<typeof suiteFileSchema>;
export type ParsedCase = z.output<typeof suiteCaseSchema>;
