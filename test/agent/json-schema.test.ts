import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { createAjv } from '../../src/agent/actions/invoke.ts';
import { AGENT_SCHEMA_FILE, agentJsonSchemaText } from '../../scripts/gen-schema.ts';

const EXAMPLE = new URL('../../examples/acme-support/agent.yaml', import.meta.url);

describe('published agent JSON Schema', () => {
  test('matches the zod schema (run `node scripts/gen-schema.ts` after changing src/agent/schema.ts)', async () => {
    assert.equal(await readFile(AGENT_SCHEMA_FILE, 'utf8'), agentJsonSchemaText());
  });

  test('accepts the Acme example and rejects an unknown field and a missing topic list', async () => {
    const validate = createAjv().compile(JSON.parse(await readFile(AGENT_SCHEMA_FILE, 'utf8')) as object);
    const example = parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
    assert.equal(validate(example), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...example, colour: 'blue' }), false);
    assert.ok(validate.errors?.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'colour'));
    const { topics: _topics, ...withoutTopics } = example;
    assert.equal(validate(withoutTopics), false);
  });

  test('leaves fields with defaults optional', async () => {
    const schema = JSON.parse(await readFile(AGENT_SCHEMA_FILE, 'utf8')) as { required: string[] };
    assert.deepEqual([...schema.required].sort(), ['description', 'name', 'topics']);
  });
});
