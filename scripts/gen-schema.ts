import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { agentDefinitionSchema } from '../src/agent/schema.ts';

/**
 * Writes schemas/agent.schema.json, the JSON Schema editors use for completion and checks in
 * agent.yaml. It is generated from the zod schema so the two can never disagree; a test fails when
 * the committed file is stale. Run: node scripts/gen-schema.ts
 */

export const AGENT_SCHEMA_FILE = new URL('../schemas/agent.schema.json', import.meta.url);

export function agentJsonSchemaText(): string {
  // `io: 'input'` describes what a person writes: fields with defaults are optional.
  // draft-07 is the dialect YAML and JSON editors support best.
  const generated = z.toJSONSchema(agentDefinitionSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    title: 'Agentproof agent definition (agent.yaml)',
    description: 'An agent: its job, models per stage, instructions, voice, topics, actions, knowledge and guardrails. See docs/agent-file.md.',
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.main) {
  await writeFile(AGENT_SCHEMA_FILE, agentJsonSchemaText());
  process.stdout.write(`wrote ${AGENT_SCHEMA_FILE.pathname}\n`);
}
