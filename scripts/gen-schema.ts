import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { agentDefinitionSchema } from '../src/agent/schema.ts';
import { suiteFileSchema } from '../src/eval/suite/schema.ts';

/**
 * Writes schemas/agent.schema.json and schemas/suite.schema.json, the JSON Schemas editors use for
 * completion and checks in agent.yaml and suite files. They are generated from the zod schemas so
 * the two can never disagree; tests fail when a committed file is stale. Run: node scripts/gen-schema.ts
 */

export const AGENT_SCHEMA_FILE = new URL('../schemas/agent.schema.json', import.meta.url);

export const SUITE_SCHEMA_FILE = new URL('../schemas/suite.schema.json', import.meta.url);

function jsonSchemaText(zodSchema: z.ZodType, title: string, description: string): string {
  // `io: 'input'` describes what a person writes: fields with defaults are optional.
  // draft-07 is the dialect YAML and JSON editors support best.
  const generated = z.toJSONSchema(zodSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return `${JSON.stringify({ $schema, title, description, ...rest }, null, 2)}\n`;
}

export function agentJsonSchemaText(): string {
  return jsonSchemaText(
    agentDefinitionSchema,
    'Agentproof agent definition (agent.yaml)',
    'An agent: its job, models per stage, instructions, voice, topics, actions, knowledge and guardrails. See docs/agent-file.md.',
  );
}

export function suiteJsonSchemaText(): string {
  return jsonSchemaText(
    suiteFileSchema,
    'Agentproof test suite (YAML)',
    'A test suite: cases with an utterance or conversation and what the agent should do, evaluator settings and the acceptance gate. See docs/testing.md.',
  );
}

if (import.meta.main) {
  for (const [file, text] of [
    [AGENT_SCHEMA_FILE, agentJsonSchemaText()],
    [SUITE_SCHEMA_FILE, suiteJsonSchemaText()],
  ] as const) {
    await writeFile(file, text);
    process.stdout.write(`wrote ${file.pathname}\n`);
  }
}
