import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError, errorMessage, type ErrorIssue } from '../core/errors.ts';

/**
 * Cost accounting: USD per 1M input/output tokens, per `provider/model`. Every cost the product
 * reports is tokens × this table, so a team that pays different rates (enterprise discounts, Azure
 * regions, their own GPUs) overrides it instead of living with wrong numbers.
 */

export interface ModelPrice {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens. */
  output: number;
}

/** Keys are `provider/model`, or `provider/*` for every model of a provider. */
export type PriceTable = Record<string, ModelPrice>;

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** List prices as of 2026; override in config (AGENTPROOF_PRICES or the `overrides` option). */
export const DEFAULT_PRICES: Readonly<PriceTable> = Object.freeze({
  'local/*': { input: 0, output: 0 },
  'openai/gpt-5': { input: 1.25, output: 10 },
  'openai/gpt-5.1': { input: 1.25, output: 10 },
  'openai/gpt-5-mini': { input: 0.25, output: 2 },
  'openai/gpt-5-nano': { input: 0.05, output: 0.4 },
  'openai/gpt-4.1': { input: 2, output: 8 },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai/gpt-4o': { input: 2.5, output: 10 },
  'openai/gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai/o3': { input: 2, output: 8 },
  'openai/o3-mini': { input: 1.1, output: 4.4 },
  'openai/o4-mini': { input: 1.1, output: 4.4 },
  'openai/text-embedding-3-small': { input: 0.02, output: 0 },
  'openai/text-embedding-3-large': { input: 0.13, output: 0 },
  'anthropic/claude-opus-4-5': { input: 5, output: 25 },
  'anthropic/claude-opus-4-1': { input: 15, output: 75 },
  'anthropic/claude-opus-4-0': { input: 15, output: 75 },
  'anthropic/claude-opus-4': { input: 15, output: 75 },
  'anthropic/claude-sonnet-4-5': { input: 3, output: 15 },
  'anthropic/claude-sonnet-4-0': { input: 3, output: 15 },
  'anthropic/claude-sonnet-4': { input: 3, output: 15 },
  'anthropic/claude-3-7-sonnet': { input: 3, output: 15 },
  'anthropic/claude-haiku-4-5': { input: 1, output: 5 },
  'anthropic/claude-3-5-haiku': { input: 0.8, output: 4 },
});

const priceKey = z
  .string()
  .regex(/^(local|openai|azure|anthropic|openai-compatible)\/(\*|\S+)$/, 'must be "provider/model" or "provider/*" with provider one of local, openai, azure, anthropic, openai-compatible');
const perMillion = z.number().nonnegative('must be a price in USD per 1M tokens, 0 or more');
const priceTableSchema = z.record(priceKey, z.strictObject({ input: perMillion, output: perMillion }), {
  error: 'must be an object mapping "provider/model" to { "input": USD per 1M, "output": USD per 1M }',
});

/**
 * The default table with the file named by `AGENTPROOF_PRICES` laid over it, then `overrides`.
 * Entries replace whole models; models not mentioned keep their default price.
 */
export function loadPriceTable(options: { env?: NodeJS.ProcessEnv; overrides?: unknown } = {}): PriceTable {
  const file = (options.env ?? process.env).AGENTPROOF_PRICES?.trim();
  return {
    ...DEFAULT_PRICES,
    ...(file ? readPriceFile(file) : {}),
    ...(options.overrides === undefined ? {} : validate(options.overrides, undefined)),
  };
}

let fromEnv: { file: string | undefined; table: PriceTable } | undefined;

/** The table for this process's environment; the override file is read once per path. */
export function processPriceTable(): PriceTable {
  const file = process.env.AGENTPROOF_PRICES?.trim() || undefined;
  if (!fromEnv || fromEnv.file !== file) fromEnv = { file, table: loadPriceTable() };
  return fromEnv.table;
}

/**
 * The price that applies to a ref: exact entry, then the same model without a date snapshot suffix
 * (`gpt-4o-2024-08-06` → `gpt-4o`), then for Azure the OpenAI model of the same name (deployments
 * are usually named after their model), then the provider's `*` entry.
 */
export function priceOf(ref: string, table: PriceTable = processPriceTable()): ModelPrice | undefined {
  const slash = ref.indexOf('/');
  const provider = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const undated = name.replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, '');
  const candidates = [`${provider}/${name}`, `${provider}/${undated}`];
  if (provider === 'azure') candidates.push(`openai/${name}`, `openai/${undated}`);
  candidates.push(`${provider}/*`);
  for (const key of candidates) {
    if (Object.hasOwn(table, key)) return table[key];
  }
  return undefined;
}

/** Unknown models cost 0 with `priced: false`, so reports can say the total is incomplete. */
export function costOf(ref: string, usage: TokenUsage, table: PriceTable = processPriceTable()): { costUsd: number; priced: boolean } {
  const price = priceOf(ref, table);
  if (!price) return { costUsd: 0, priced: false };
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  // Rounded to a nano-dollar so sums over stored spans reproduce exactly.
  return { costUsd: Math.round(usd * 1e9) / 1e9, priced: true };
}

function readPriceFile(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read price file ${file} (AGENTPROOF_PRICES): ${errorMessage(err)}`, [{ file, message: errorMessage(err) }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = /line (\d+) column (\d+)/.exec(errorMessage(err));
    const issue: ErrorIssue = { file, message: `not valid JSON: ${errorMessage(err)}` };
    if (at) Object.assign(issue, { line: Number(at[1]), column: Number(at[2]) });
    throw new InputError(`price file ${file} is not valid JSON: ${errorMessage(err)}`, [issue]);
  }
  return validate(data, file);
}

function validate(data: unknown, file: string | undefined): PriceTable {
  const parsed = priceTableSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    ...(file ? { file } : {}),
    ...(issue.path.length ? { path: formatPath(issue.path) } : {}),
    // zod reports a bad record key generically; the key rule's own message says what is expected.
    message: issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message,
  }));
  const first = issues[0];
  throw new InputError(`invalid price ${file ? `file ${file}` : 'overrides'}: ${first.path ? `${first.path}: ` : ''}${first.message}`, issues);
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      const s = String(seg);
      return /^[A-Za-z_$][\w$]*$/.test(s) ? `${i ? '.' : ''}${s}` : `["${s}"]`;
    })
    .join('');
}
