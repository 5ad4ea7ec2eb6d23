import { AgentproofError, InputError, errorMessage, formatIssue } from '../core/errors.ts';

/** Exit codes every command uses: 0 success, 1 the work failed, 2 bad input or configuration. */
export const EXIT = { ok: 0, failed: 1, input: 2 } as const;

/**
 * Wraps a command action: prints our errors as readable lines (never a stack trace) and sets the
 * exit code, so every command reports failure the same way.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

export function reportError(err: unknown): number {
  if (err instanceof AgentproofError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const issue of err.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return err instanceof InputError || err.status === 404 ? EXIT.input : EXIT.failed;
  }
  process.stderr.write(`error: ${errorMessage(err)}\n`);
  if (process.env.AGENTPROOF_DEBUG) console.error(err);
  return EXIT.failed;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
