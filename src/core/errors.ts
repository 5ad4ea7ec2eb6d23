/**
 * Errors the product reports to people. Each carries a stable code, an HTTP status and, where it
 * applies, the place in the input that is wrong, so every edge (HTTP, CLI) can name the field.
 */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted/bracketed path of the offending field, e.g. `topics[2].actions[0]`. */
  path?: string;
}

export interface ErrorIssue extends ErrorLocation {
  message: string;
}

export class AgentproofError extends Error {
  readonly code: string;
  readonly status: number;
  readonly issues: ErrorIssue[];

  constructor(code: string, status: number, message: string, issues: ErrorIssue[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.issues = issues;
  }

  toJSON(): { error: { code: string; message: string; issues?: ErrorIssue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.issues.length ? { issues: this.issues } : {}) } };
  }
}

/** The caller sent something malformed: names the field (and file/line for files). */
export class InputError extends AgentproofError {
  constructor(message: string, issues: ErrorIssue[] = []) {
    super('invalid_input', 400, message, issues);
  }
}

export class NotFoundError extends AgentproofError {
  constructor(what: string, id: string) {
    super('not_found', 404, `${what} not found: ${id}`, [{ message: `no ${what} with id ${id}`, path: what }]);
  }
}

export class ConflictError extends AgentproofError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class UnauthorizedError extends AgentproofError {
  constructor(message = 'missing or invalid bearer token') {
    super('unauthorized', 401, message);
  }
}

/** A model provider failed after its retries; recorded on the trace. */
export class ProviderError extends AgentproofError {
  readonly provider: string;
  constructor(provider: string, message: string, options?: { cause?: unknown }) {
    super('provider_error', 502, `${provider}: ${message}`, [], options);
    this.provider = provider;
  }
}

/** An action implementation failed (webhook error, thrown module, timeout). */
export class ActionError extends AgentproofError {
  readonly action: string;
  constructor(action: string, message: string, options?: { cause?: unknown }) {
    super('action_error', 502, `action ${action}: ${message}`, [], options);
    this.action = action;
  }
}

/** The embedded store is held by another process. */
export class StoreLockedError extends AgentproofError {
  constructor(message: string) {
    super('store_locked', 409, message);
  }
}

export function formatIssue(issue: ErrorIssue): string {
  const where = [issue.file, issue.line !== undefined ? `${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : undefined]
    .filter(Boolean)
    .join(':');
  const path = issue.path ? `${issue.path}: ` : '';
  return `${where ? `${where}: ` : ''}${path}${issue.message}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
