import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ActionError, InputError, type ErrorIssue } from '../../core/errors.ts';
import { contentHash } from '../../core/ids.ts';
import type { LoadedAgent } from '../load.ts';
import type { ActionDefinition } from '../schema.ts';
import { callHttpAction } from './http.ts';
import { callModuleAction } from './module.ts';

export interface InvokeContext {
  sessionId: string;
  signal?: AbortSignal;
}

/**
 * The Ajv configuration for action inputs: lenient about vocabulary (schemas written for other
 * tools carry extra keywords), strict about data, and with formats so `format: email` is checked.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, logger: false });
  // ajv-formats is CommonJS: under Node ESM the default import is the plugin function itself.
  (addFormats as unknown as (a: Ajv) => Ajv)(ajv);
  return ajv;
}

const ajv = createAjv();
/** Compiled validators by schema content: a schema shared by many versions compiles once. */
const validators = new Map<string, ValidateFunction>();

function validatorFor(action: ActionDefinition): ValidateFunction {
  const key = contentHash(action.input);
  let validate = validators.get(key);
  if (!validate) {
    // Two versions may carry the same `$id` with different content; Ajv refuses duplicate ids.
    const { $id: _id, ...schema } = action.input;
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

export type ArgsCheck = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ErrorIssue[] };

/** Validates (and fills defaults into a copy of) the arguments of an action call. */
export function validateActionArgs(action: ActionDefinition, args: unknown): ArgsCheck {
  const value: unknown = args === undefined ? {} : structuredClone(args);
  const validate = validatorFor(action);
  if (validate(value)) return { ok: true, value: value as Record<string, unknown> };
  return { ok: false, issues: (validate.errors ?? []).map(toIssue) };
}

function toIssue(error: ErrorObject): ErrorIssue {
  const base = pointerToPath(error.instancePath);
  const join = (name: string) => (base ? `${base}.${name}` : name);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: join(String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(String(params.additionalProperty)), message: 'is not an accepted argument' };
    case 'enum':
      return { path: base || undefined, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path: base || undefined, message: base ? (error.message ?? 'is invalid') : `arguments ${error.message ?? 'are invalid'}` };
  }
}

function pointerToPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
  }
  return out;
}

/**
 * Runs an action with checked arguments. Bad arguments are the caller's fault (InputError); anything
 * that goes wrong in the implementation is an ActionError. The result is plain JSON, ready to store.
 */
export async function invokeAction(agent: LoadedAgent, action: ActionDefinition, args: unknown, ctx: InvokeContext): Promise<unknown> {
  const checked = validateActionArgs(action, args);
  if (!checked.ok) throw new InputError(`invalid arguments for action ${action.name}`, checked.issues);
  const impl = action.implementation;
  const result =
    impl.type === 'http'
      ? await callHttpAction(action.name, impl, checked.value, ctx)
      : await callModuleAction(agent, action.name, impl, checked.value, ctx);
  return toJson(action.name, result);
}

function toJson(name: string, value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (err) {
    throw new ActionError(name, `returned a value that is not JSON (${(err as Error).message})`);
  }
}
