/**
 * The small template language of external targets. Two kinds of reference, resolved at different
 * times so a problem surfaces as early as it can:
 * - `${env.NAME}`: an environment variable, filled in once before the run starts (a missing one is
 *   a configuration error, not a failed case);
 * - `{{utterance}}`, `{{conversation}}`, `{{session}}`, `{{case.id}}`: filled in per request.
 * And the dotted paths (`data.reply`, `choices[0].message.content`) that read a reply's fields.
 */
import { InputError, type ErrorIssue } from '../../core/errors.ts';
import type { ConversationTurn } from '../contracts.ts';

export const TEMPLATE_VARIABLES = ['utterance', 'conversation', 'session', 'case.id'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export interface RequestVariables {
  utterance: string;
  conversation: ConversationTurn[];
  session: string;
  'case.id': string;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const ENV_REF = /\$\{env\.([^}]*)\}/g;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every string in a JSON value, with the path that leads to it (`body.messages[0].content`). */
export function stringsIn(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  return [];
}

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

export function envNamesIn(text: string): string[] {
  return [...text.matchAll(ENV_REF)].map((m) => m[1]);
}

export function isTemplateVariable(name: string): name is TemplateVariable {
  return (TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/**
 * Fills every `${env.NAME}` in the strings of a value. All missing variables are reported at once,
 * each at the field that needs it (`where` prefixes the path, e.g. `target.headers`).
 */
export function fillEnv<T>(value: T, env: NodeJS.ProcessEnv, where: string): T {
  const issues: ErrorIssue[] = [];
  const missing = new Set<string>();
  const fill = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(ENV_REF, (_m, name: string) => {
        const found = env[name];
        if (found === undefined || found === '') {
          missing.add(name);
          issues.push({ path, message: `environment variable ${name} is not set` });
        }
        return found ?? '';
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => fill(x, `${path}[${i}]`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, `${path}.${k}`)]));
    return v;
  };
  const filled = fill(value, where) as T;
  if (missing.size) {
    const names = [...missing].join(', ');
    throw new InputError(`the target needs environment variable${missing.size === 1 ? '' : 's'} ${names}, which ${missing.size === 1 ? 'is' : 'are'} not set`, issues);
  }
  return filled;
}

/** The text a variable stands for inside a longer string: the conversation as JSON, the rest as is. */
function asText(vars: RequestVariables, name: TemplateVariable): string {
  return name === 'conversation' ? JSON.stringify(vars.conversation) : vars[name];
}

/** Fills the placeholders of one string; `encode` escapes each value (URL components). */
export function fillText(text: string, vars: RequestVariables, encode: (s: string) => string = (s) => s): string {
  return text.replace(PLACEHOLDER, (m, name: string) => (isTemplateVariable(name) ? encode(asText(vars, name)) : m));
}

/**
 * Fills a JSON template. A string that is exactly one placeholder becomes the value itself, so
 * `"messages": "{{conversation}}"` sends an array, not the array's JSON text.
 */
export function fillJson(template: unknown, vars: RequestVariables): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole && isTemplateVariable(whole[1])) return whole[1] === 'conversation' ? vars.conversation : vars[whole[1]];
    return fillText(template, vars);
  }
  if (Array.isArray(template)) return template.map((v) => fillJson(v, vars));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillJson(v, vars)]));
  return template;
}

/**
 * Why a URL template is not an http(s) URL once filled in, or undefined. One that starts with
 * `${env.X}` cannot be judged before the environment is read.
 */
export function urlProblem(template: string): string | undefined {
  if (/^\s*\$\{env\./.test(template)) return undefined;
  const sample = template.replace(/\$\{env\.[^}]*\}|\{\{[^{}]*\}\}/g, 'x');
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return 'is not a URL: write it with http:// or https://';
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `is a ${url.protocol} URL, not http or https`;
}

/**
 * Throws an InputError naming the field when a URL whose environment variables are filled in is
 * not http(s). The filled URL is not shown: a variable may hold a key.
 */
export function checkUrl(url: string, path: string): void {
  const problem = urlProblem(url);
  if (problem) throw new InputError(`${path}, with its environment variables filled in, ${problem}`, [{ path, message: problem }]);
}

/** A response path: `a.b[0].c` (or `a.b.0.c`, optionally after `$.`). */
export const RESPONSE_PATH = /^(\$\.?)?([A-Za-z_$][\w$-]*|\[\d+\])(\.[A-Za-z_$][\w$-]*|\.\d+|\[\d+\])*$/;

function segmentsOf(path: string): (string | number)[] {
  const body = path.replace(/^\$\.?/, '');
  return [...body.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : /^\d+$/.test(m[2]) ? Number(m[2]) : m[2]));
}

/**
 * The value at a path, or why there is none: the reason names the first segment that is missing
 * and what was there instead, so a wrong mapping is fixed without reading the whole response.
 */
export function readPath(value: unknown, path: string): { found: true; value: unknown } | { found: false; reason: string } {
  let at: unknown = value;
  const done: string[] = [];
  for (const segment of segmentsOf(path)) {
    const here = done.length ? done.join('') : 'the response';
    if (typeof segment === 'number') {
      if (!Array.isArray(at)) return { found: false, reason: `${here} is ${kindOf(at)}, not an array` };
      if (segment >= at.length) return { found: false, reason: `${here} has ${at.length} item(s), no [${segment}]` };
      at = at[segment];
      done.push(`[${segment}]`);
    } else {
      if (!at || typeof at !== 'object' || Array.isArray(at)) return { found: false, reason: `${here} is ${kindOf(at)}, not an object` };
      if (!Object.hasOwn(at, segment)) {
        const keys = Object.keys(at);
        return { found: false, reason: `${here} has no "${segment}"${keys.length ? ` (it has ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''})` : ' (it is empty)'}` };
      }
      at = (at as Record<string, unknown>)[segment];
      done.push(done.length ? `.${segment}` : segment);
    }
  }
  return { found: true, value: at };
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
