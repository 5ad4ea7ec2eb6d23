/**
 * Shapes shared by suites, evaluators, the batch runner and reports. A suite's cases say what an
 * agent should do; the runner turns each case into a CaseOutput (what the agent did, from its
 * replies and traces); evaluators score outputs against cases, each with a threshold and a reason.
 */
import type { RagStages } from '../knowledge/grounding/stages.ts';

export interface ConversationTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ExpectedAction {
  name: string;
  /** A subset of the arguments the call must have had (deep-equal on each given key). */
  args?: Record<string, unknown>;
}

/** Per-case (or per-suite) settings of one evaluator. */
export interface EvaluatorSetting {
  /** Pass when score ≥ threshold (for latency/tokens/cost: when the measured value ≤ max). */
  threshold?: number;
  /** false turns the evaluator off for this case. */
  enabled?: boolean;
  /** Evaluator-specific options (a regex pattern, a JSON Schema, a max latency...). */
  options?: Record<string, unknown>;
}

export interface SuiteCase {
  /** Stable within the suite: given in the file, else derived from the case's position. */
  id: string;
  /** One message; or `conversation`, whose user turns are sent in order (assistant turns are what a reply should resemble, not sent). */
  utterance?: string;
  conversation?: ConversationTurn[];
  /** The topic the (last) message should be routed to; null: it should be refused as off-topic. */
  expectedTopic?: string | null;
  /** Actions the agent should call, in order. */
  expectedActions?: ExpectedAction[];
  /** What a good answer does, in natural language (model-graded). */
  expectedOutcome?: string;
  /** A reference answer (reference-based and model-graded evaluators). */
  reference?: string;
  /** Documents or knowledge sources retrieval should find. */
  expectedSources?: string[];
  mustInclude?: string[];
  mustNotInclude?: string[];
  tags: string[];
  /** Evaluator overrides for this case, by evaluator name. */
  evaluators?: Record<string, EvaluatorSetting>;
  /** Where the case is defined, for error messages and reports. */
  location: { file: string; line: number };
}

/** One acceptance criterion: e.g. topic_match mean ≥ 0.9 over at least 20 cases. */
export interface GateCriterion {
  metric: string;
  aggregate: 'mean' | 'pass_rate' | 'p50' | 'p95' | 'max' | 'min';
  /** `>=` for scores and rates, `<=` for latency, tokens and cost. */
  op: '>=' | '<=';
  threshold: number;
  /** The gate fails when fewer cases were scored on the metric. */
  minCases?: number;
}

/**
 * An agent built elsewhere, reached over HTTP. Strings may hold `${env.NAME}` (filled in before the
 * run) and the url, headers and body `{{utterance}}`, `{{conversation}}`, `{{session}}` and
 * `{{case.id}}` (filled in per request).
 */
export interface HttpTargetConfig {
  type: 'http';
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  /** JSON template of the request body; none for GET. */
  body?: Record<string, unknown>;
  /** Dotted paths into the JSON reply (`data.reply`, `choices[0].message.content`). */
  response: { answer: string; topic?: string; actions?: string; sources?: string; blocked?: string };
  /** Bounds each request, retries included. */
  timeoutMs: number;
  /** Retries on connection failures, 408, 409, 429 and 5xx. */
  retries: number;
  /** resend: every request carries the conversation so far; session: the endpoint remembers it by `{{session}}`. */
  multiTurn: 'resend' | 'session';
}

/** An OpenAI chat-completions endpoint (OpenAI itself, vLLM, Ollama, a gateway...). */
export interface OpenAiTargetConfig {
  type: 'openai';
  /** Up to and including `/v1`: requests go to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  model: string;
  /** The environment variable holding the API key, sent as a bearer token. */
  apiKeyEnv?: string;
  headers: Record<string, string>;
  /** A system message sent before the conversation. */
  system?: string;
  timeoutMs: number;
  retries: number;
}

export type TargetConfig = HttpTargetConfig | OpenAiTargetConfig;

export interface Suite {
  name: string;
  description?: string;
  file: string;
  /** The agent the suite tests when none is given on the command line (a file, folder or name). */
  agent?: string;
  /** An agent built elsewhere to run the suite against instead of one of this platform. */
  target?: TargetConfig;
  /** Content hash of the parsed suite: runs record which version of the suite they ran. */
  version: string;
  cases: SuiteCase[];
  /** Evaluator settings for every case, by evaluator name. */
  evaluators: Record<string, EvaluatorSetting>;
  gate: GateCriterion[];
}

/** An action call the agent made during a case. */
export interface ObservedAction {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
}

/** What the agent did for one case: its final reply and what its traces show. */
export interface CaseOutput {
  status: 'completed' | 'awaiting_approval' | 'failed' | 'denied' | 'error';
  reply: string | null;
  /** Topic of the last message; null when routed off-topic. */
  topic: string | null;
  actions: ObservedAction[];
  /** Knowledge the reply cites. */
  sources: { document: string; source: string; supported: boolean }[];
  /** Passages handed to the answer model for the last message (faithfulness, context metrics). */
  context: { document: string; source: string; text: string }[];
  /** Documents retrieved for the last message, best first. */
  retrieved: { document: string; source: string }[];
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Trace of each message sent, in order. */
  traceIds: string[];
  stages: RagStages | null;
  error: string | null;
  /** A guardrail stopped the turn: the agent's trust layer, or the endpoint's content filter. Absent when none did. */
  blocked?: GuardBlock;
}

export interface GuardBlock {
  /** input: the message was stopped before the model answered; output: the reply was withheld. */
  stage: 'input' | 'output';
  /** What the guard said: the policy, the categories it flagged. */
  reason: string;
}

export interface Score {
  evaluator: string;
  /** 0..1 for quality metrics; the measured value (ms, tokens, USD) for budget metrics; null when it could not be scored. */
  score: number | null;
  /** null: not applicable to this case, or an evaluator error (then `error` says why). */
  passed: boolean | null;
  threshold: number;
  /** Why this score: what matched, what was missing, what the judge said. */
  reason: string;
  error?: string;
}

/** What an evaluator may use besides the case and the output. */
export interface EvalContext {
  /** Resolved evaluator setting for this case (suite defaults merged with the case's override). */
  setting: EvaluatorSetting;
  signal?: AbortSignal;
}

export interface Evaluator {
  /** snake_case, unique: `topic_match`, `rouge_l`... */
  name: string;
  kind: 'deterministic' | 'reference' | 'model';
  /** Pass threshold used when neither suite nor case sets one. */
  defaultThreshold: number;
  /** Whether the evaluator runs on a case without being configured: it has what it needs (an expected topic, a reference...). */
  appliesTo(c: SuiteCase, setting: EvaluatorSetting): boolean;
  evaluate(c: SuiteCase, out: CaseOutput, ctx: EvalContext): Promise<Score> | Score;
}
