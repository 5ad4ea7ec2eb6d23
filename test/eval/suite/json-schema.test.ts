import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { createAjv } from '../../../src/agent/actions/invoke.ts';
import { SUITE_SCHEMA_FILE, suiteJsonSchemaText } from '../../../scripts/gen-schema.ts';
import { FIXTURES } from './helpers.ts';

async function validator() {
  return createAjv().compile(JSON.parse(await readFile(SUITE_SCHEMA_FILE, 'utf8')) as object);
}

describe('published suite JSON Schema', () => {
  test('matches the zod schema (run `node scripts/gen-schema.ts` after changing src/eval/suite/schema.ts)', async () => {
    assert.equal(await readFile(SUITE_SCHEMA_FILE, 'utf8'), suiteJsonSchemaText());
  });

  test('accepts the fixture suite and rejects an unknown field, a case without utterance, and one with both', async () => {
    const validate = await validator();
    const suite = parse(await readFile(path.join(FIXTURES, 'support.yaml'), 'utf8')) as { cases: Record<string, unknown>[] } & Record<string, unknown>;
    assert.equal(validate(suite), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...suite, colour: 'blue' }), false);
    assert.equal(validate({ ...suite, cases: [{ expectedTopic: 'x' }] }), false);
    assert.equal(validate({ ...suite, cases: [{ utterance: 'x', conversation: [{ role: 'user', content: 'x' }] }] }), false);
    assert.equal(validate({ ...suite, gate: ['topic_match average 0.9'] }), false);
  });

  test('requires only name and cases', async () => {
    const schema = JSON.parse(await readFile(SUITE_SCHEMA_FILE, 'utf8')) as { required: string[] };
    assert.deepEqual([...schema.required].sort(), ['cases', 'name']);
  });
});
