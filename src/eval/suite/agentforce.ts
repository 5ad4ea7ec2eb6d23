/**
 * Import of Salesforce Agentforce test specs (the YAML that `sf agent generate test-spec` writes and
 * `sf agent test create --spec` reads): `name`, `description`, `subjectType: AGENT`, `subjectName`,
 * `subjectVersion`, and `testCases` of `utterance`, `expectedTopic`, `expectedActions`,
 * `expectedOutcome`, `conversationHistory`, `contextVariables`, `customEvaluations`, `metrics`.
 *
 * What maps is imported verbatim (topic and action API names included); what has no equivalent is
 * reported as a warning, once per field, so a team sees what its imported suite does not check.
 */
import { z } from 'zod';
import type { ErrorIssue, ErrorLocation } from '../../core/errors.ts';
import { formatPath, issuesFromZod, type Locate, type Segment } from '../../core/input-issues.ts';
import type { ConversationTurn } from '../contracts.ts';
import type { ParsedCase, SuiteFile } from './schema.ts';
import { isRecord } from './rows.ts';

const text = z.string().regex(/\S/, 'must not be empty');

const historyItem = z.looseObject({
  role: z.enum(['user', 'agent']),
  message: text,
  topic: z.string().nullish(),
  index: z.number().nullish(),
});

const testCase = z.looseObject({
  utterance: text,
  expectedTopic: z.string().nullish(),
  expectedActions: z.array(text).nullish(),
  expectedOutcome: z.string().nullish(),
  conversationHistory: z.array(historyItem).nullish(),
  contextVariables: z.array(z.unknown()).nullish(),
  customEvaluations: z.array(z.unknown()).nullish(),
  metrics: z.array(z.unknown()).nullish(),
});

const spec = z.looseObject({
  name: text,
  description: z.string().nullish(),
  subjectType: z.string().nullish(),
  subjectName: z.string().nullish(),
  subjectVersion: z.union([z.string(), z.number()]).nullish(),
  testCases: z.array(testCase).min(1, 'a test spec needs at least one test case'),
});

const KNOWN = {
  spec: new Set(Object.keys(spec.shape)),
  testCase: new Set(Object.keys(testCase.shape)),
  history: new Set(Object.keys(historyItem.shape)),
};

/** Fields that exist in Agentforce specs but not in Agentproof suites, and why. */
const NOT_IMPORTED: Record<string, string> = {
  subjectVersion: 'not imported: Agentproof versions agents by their content; choose the agent to test with --agent',
  contextVariables: 'not imported: Agentproof suites have no context variables',
  customEvaluations: 'not imported: express string checks as mustInclude / mustNotInclude, or configure evaluators',
  metrics: "not imported: configure Agentproof evaluators in the suite's evaluators and gate",
};

/** The spec is an Agentforce one: it lists `testCases` (our own format lists `cases`). */
export function isAgentforceSpec(raw: unknown): boolean {
  return isRecord(raw) && 'testCases' in raw;
}

export type AgentforceImport = { suite: SuiteFile; warnings: ErrorIssue[] } | { issues: ErrorIssue[] };

/** Maps a parsed spec to a suite file; `locate` finds a spec field in the source for issues and warnings. */
export function fromAgentforce(raw: unknown, locate: Locate): AgentforceImport {
  const parsed = spec.safeParse(raw);
  if (!parsed.success) return { issues: issuesFromZod(parsed.error.issues, locate) };
  const warnings = new Warnings(locate);
  const s = parsed.data;

  warnings.unknownKeys(s, KNOWN.spec, []);
  if (s.subjectType && s.subjectType !== 'AGENT') warnings.add(['subjectType'], `subjectType is "${s.subjectType}"; imported as an agent test (only AGENT exists)`);
  if (s.subjectVersion !== undefined && s.subjectVersion !== null) warnings.add(['subjectVersion'], NOT_IMPORTED.subjectVersion);

  const cases = s.testCases.map((tc, i): ParsedCase => {
    const at: Segment[] = ['testCases', i];
    warnings.unknownKeys(tc, KNOWN.testCase, at);
    for (const field of ['contextVariables', 'customEvaluations', 'metrics'] as const) {
      if (tc[field]?.length) warnings.add([...at, field], NOT_IMPORTED[field]);
    }
    const history = (tc.conversationHistory ?? []).map((h, j) => ({ h, j }));
    for (const { h, j } of history) {
      warnings.unknownKeys(h, KNOWN.history, [...at, 'conversationHistory', j]);
      if (h.topic) warnings.add([...at, 'conversationHistory', j, 'topic'], 'not imported: an Agentproof agent routes every message itself');
    }
    // `index` orders the history when given; items without one keep their place.
    history.sort((a, b) => (a.h.index ?? a.j) - (b.h.index ?? b.j) || a.j - b.j);

    const c: ParsedCase = { tags: [] };
    if (history.length) {
      const turns: ConversationTurn[] = history.map(({ h }) => ({ role: h.role === 'agent' ? 'assistant' : 'user', content: h.message }));
      c.conversation = [...turns, { role: 'user', content: tc.utterance }];
    } else {
      c.utterance = tc.utterance;
    }
    if (tc.expectedTopic?.trim()) c.expectedTopic = tc.expectedTopic;
    if (tc.expectedActions) c.expectedActions = tc.expectedActions.map((name) => ({ name }));
    if (tc.expectedOutcome?.trim()) c.expectedOutcome = tc.expectedOutcome;
    return c;
  });

  const agent = s.subjectName ? agentNameHint(s.subjectName) : '';
  const suite: SuiteFile = {
    name: s.name,
    ...(s.description?.trim() ? { description: s.description } : {}),
    ...(agent ? { agent } : {}),
    evaluators: {},
    gate: [],
    cases,
  };
  return { suite, warnings: warnings.list() };
}

/**
 * Agentforce subjects are API names (`Customer_Service_Agent`); Agentproof agent names are lowercase.
 * Only a hint: the suite's agent can always be overridden when it runs.
 */
export function agentNameHint(subjectName: string): string {
  return subjectName
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/[-_]+$/, '')
    .slice(0, 64);
}

/** One warning per distinct field (located at its first occurrence), with how many test cases have it. */
class Warnings {
  private readonly byKey = new Map<string, { where: ErrorLocation; path: string; message: string; count: number }>();
  private readonly locate: Locate;

  constructor(locate: Locate) {
    this.locate = locate;
  }

  add(segments: Segment[], message: string, pointAtKey = true): void {
    const key = `${segments.map((s) => (typeof s === 'number' ? '*' : s)).join('.')}\u0000${message}`;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    const { found: _found, ...where } = this.locate(segments, pointAtKey);
    this.byKey.set(key, { where, path: formatPath(segments), message, count: 1 });
  }

  unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, at: Segment[]): void {
    for (const key of Object.keys(value)) if (!known.has(key)) this.add([...at, key], `unknown field "${key}" ignored`);
  }

  list(): ErrorIssue[] {
    return [...this.byKey.values()].map(({ where, path, message, count }) => ({
      ...where,
      path,
      message: count > 1 ? `${message} (${count} times)` : message,
    }));
  }
}
