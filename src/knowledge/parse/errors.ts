import { AgentproofError } from '../../core/errors.ts';

/** Why a file could not be turned into a document; stable, so an ingest report can group failures. */
export type IngestFailure =
  | 'unsupported_type'
  | 'empty'
  | 'binary'
  | 'too_large'
  | 'corrupt'
  | 'password_protected'
  | 'unreadable';

/**
 * One file that could not be ingested. The message names the file and says why, so a batch ingest
 * can report it and carry on with the rest.
 */
export class IngestFileError extends AgentproofError {
  readonly file: string;
  readonly reason: IngestFailure;

  constructor(file: string, reason: IngestFailure, detail: string, options?: { cause?: unknown }) {
    super('unreadable_file', 400, `${file}: ${detail}`, [{ file, message: detail }], options);
    this.file = file;
    this.reason = reason;
  }
}
