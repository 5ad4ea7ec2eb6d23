import { InputError } from '../../core/errors.ts';

/**
 * Reads a provider setting from the environment, failing when the model is resolved (agent load,
 * `agentproof test` start) rather than on the first call, with the variable named.
 */
export function requireEnv(env: NodeJS.ProcessEnv, variable: string, ref: string, purpose: string): string {
  const value = optionalEnv(env, variable);
  if (value === undefined) {
    throw new InputError(`${variable} is not set: it is needed for ${purpose} by model ${ref}`, [
      { path: variable, message: `set ${variable} in the environment to use ${ref}` },
    ]);
  }
  return value;
}

/** Empty strings count as unset: `FOO= agentproof ...` is a common way to clear a variable. */
export function optionalEnv(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** A base URL typo would otherwise surface as an opaque fetch error on the first call. */
export function checkUrl<T extends string | undefined>(variable: string, value: T, ref: string): T {
  if (value === undefined || (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol))) return value;
  throw new InputError(`${variable} is not a valid http(s) URL: "${value}" (needed by model ${ref})`, [
    { path: variable, message: `expected a URL such as http://localhost:8000/v1, got "${value}"` },
  ]);
}
