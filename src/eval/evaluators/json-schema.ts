/**
 * `json_schema`: the reply is JSON valid against `options.schema` (JSON Schema, checked by Ajv with
 * formats, as action inputs are). A reply that is one fenced code block is read from inside the
 * fence, the one liberty models take most with "answer in JSON". Runs only where a schema is set.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { errorMessage } from '../../core/errors.ts';
import { contentHash } from '../../core/ids.ts';
import { createAjv } from '../../agent/actions/invoke.ts';
import type { Evaluator } from '../contracts.ts';
import { graded, invalidOption, missingOption, noReplyReason, thresholdOf } from './shared.ts';

const ajv = createAjv();
/** Compiled by content: a suite-wide schema compiles once for all its cases. */
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction | string {
  const key = contentHash(schema);
  const known = validators.get(key);
  if (known) return known;
  if (!ajv.validateSchema(schema)) return ajv.errorsText(ajv.errors, { dataVar: 'schema' });
  // Ajv refuses a second schema with the same `$id`; the id means nothing here.
  const { $id: _id, ...rest } = schema;
  try {
    const validate = ajv.compile(rest);
    validators.set(key, validate);
    return validate;
  } catch (err) {
    return errorMessage(err);
  }
}

function describeErrors(errors: ErrorObject[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const e of errors) {
    const line = `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`;
    if (!seen.has(line)) lines.push(line);
    seen.add(line);
  }
  return lines.length > 5 ? `${lines.slice(0, 5).join('; ')} and ${lines.length - 5} more` : lines.join('; ');
}

export const jsonSchema: Evaluator = {
  name: 'json_schema',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (_c, setting) => setting.options?.schema !== undefined,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(jsonSchema, c, setting);
    const schema = setting.options?.schema;
    if (schema === undefined) throw missingOption(jsonSchema, c, 'schema', 'the JSON Schema the reply must satisfy');
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw invalidOption(jsonSchema, c, 'schema', 'must be a JSON Schema object');
    const validate = validatorFor(schema as Record<string, unknown>);
    if (typeof validate === 'string') throw invalidOption(jsonSchema, c, 'schema', `is not a valid JSON Schema: ${validate}`);
    if (out.reply === null) return graded(jsonSchema.name, 0, threshold, noReplyReason(out));
    const body = out.reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch (err) {
      return graded(jsonSchema.name, 0, threshold, `the reply is not JSON: ${errorMessage(err)}`);
    }
    if (validate(data)) return graded(jsonSchema.name, 1, threshold, 'the reply is JSON valid against the schema');
    return graded(jsonSchema.name, 0, threshold, `the reply is JSON but invalid: ${describeErrors(validate.errors ?? [])}`);
  },
};
