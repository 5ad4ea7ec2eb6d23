import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ActionError, errorMessage } from '../../core/errors.ts';
import type { LoadedAgent } from '../load.ts';
import type { ActionDefinition } from '../schema.ts';

export type ModuleImplementation = Extract<ActionDefinition['implementation'], { type: 'module' }>;

/** The second argument an action function receives. */
export interface ActionModuleContext {
  sessionId: string;
  /** Aborts when the call times out or is cancelled; long work should stop when it fires. */
  signal: AbortSignal;
}

type ActionFunction = (args: Record<string, unknown>, context: ActionModuleContext) => unknown;

/**
 * Calls the exported function of a JS/TS module. The import URL carries the agent version, so a
 * new version of the module is imported fresh rather than served from Node's module cache.
 */
export async function callModuleAction(
  agent: LoadedAgent,
  action: string,
  impl: ModuleImplementation,
  args: Record<string, unknown>,
  ctx: { sessionId: string; signal?: AbortSignal },
): Promise<unknown> {
  const file = path.resolve(agent.dir, impl.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`${pathToFileURL(file).href}?version=${agent.version}`)) as Record<string, unknown>;
  } catch (err) {
    throw new ActionError(action, `cannot load module ${file}: ${errorMessage(err)}`, { cause: err });
  }
  const fn = mod[impl.export];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new ActionError(action, `module ${file} has no function export "${impl.export}"${exported.length ? ` (functions: ${exported.join(', ')})` : ''}`);
  }

  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, ...(ctx.signal ? [ctx.signal] : [])]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new ActionError(action, `timed out after ${impl.timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, impl.timeoutMs);
  });
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_resolve, reject) => {
    if (!ctx.signal) return;
    onAbort = () => reject(new ActionError(action, 'cancelled', { cause: ctx.signal?.reason }));
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(() => (fn as ActionFunction)(args, { sessionId: ctx.sessionId, signal })), deadline, cancelled]);
  } catch (err) {
    if (err instanceof ActionError && err.action === action) throw err;
    throw new ActionError(action, errorMessage(err), { cause: err });
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal?.removeEventListener('abort', onAbort);
  }
}
