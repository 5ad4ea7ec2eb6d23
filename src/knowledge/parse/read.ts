/**
 * Reading files as text without trusting their extension: the encoding is taken from a BOM or the
 * bytes themselves, binary content is refused, and large files arrive as a stream of decoded
 * pieces so memory stays bounded whatever the file size.
 */
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { IngestFileError } from './errors.ts';

/** Bytes inspected to decide the encoding and whether the file is text at all. */
const SNIFF_BYTES = 64 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
/** A line longer than this is cut: a file without line breaks must not be held whole. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Share of control characters above which "text" is really binary (real text has almost none). */
const MAX_CONTROL_RATIO = 0.02;

function isControl(byte: number): boolean {
  // Tab, line feed, vertical tab, form feed, carriage return and escape appear in real text files.
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) || byte === 0x7f;
}

/** The TextDecoder label for a file's bytes; throws when the sample is not text. */
export function detectEncoding(file: string, sample: Uint8Array): string {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i];
    if (byte === 0) throw new IngestFileError(file, 'binary', `contains binary data (NUL byte at offset ${i}), not text`);
    if (isControl(byte)) controls++;
  }
  if (sample.length > 0 && controls / sample.length > MAX_CONTROL_RATIO) {
    throw new IngestFileError(file, 'binary', `contains binary data (${Math.round((controls / sample.length) * 100)}% control characters), not text`);
  }
  try {
    // stream: true so a multi-byte character cut at the end of the sample is not counted as invalid
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf-8';
  } catch {
    // Not UTF-8 but free of control characters: almost always a legacy Western (Latin-1/CP1252) file.
    return 'windows-1252';
  }
}

/** Turns fs/stream failures into a report that names the file. */
export function readFailure(file: string, err: unknown): IngestFileError {
  if (err instanceof IngestFileError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new IngestFileError(file, 'unreadable', 'cannot read: no such file', { cause: err });
  if (code === 'EISDIR') return new IngestFileError(file, 'unreadable', 'cannot read: it is a directory', { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new IngestFileError(file, 'unreadable', 'cannot read: permission denied', { cause: err });
  return new IngestFileError(file, 'unreadable', `cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Decodes a file already held in memory (formats a library must load whole). */
export function decodeWhole(file: string, bytes: Uint8Array): string {
  return new TextDecoder(detectEncoding(file, bytes.subarray(0, SNIFF_BYTES))).decode(bytes);
}

/** The file's text as a stream of decoded pieces of about 1 MB. */
export async function* readText(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  let decoder: TextDecoder | undefined;
  let checkNul = true;
  let offset = 0;
  try {
    for await (const buf of stream as AsyncIterable<Buffer>) {
      if (!decoder) {
        const encoding = detectEncoding(file, buf.subarray(0, SNIFF_BYTES));
        decoder = new TextDecoder(encoding);
        // UTF-16 text is full of NUL bytes; for every other encoding one means binary content.
        checkNul = !encoding.startsWith('utf-16');
      } else if (checkNul) {
        const at = buf.indexOf(0);
        if (at >= 0) throw new IngestFileError(file, 'binary', `contains binary data (NUL byte at offset ${offset + at}), not text`);
      }
      offset += buf.length;
      const text = decoder.decode(buf, { stream: true });
      if (text) yield text;
    }
    const rest = decoder?.decode();
    if (rest) yield rest;
  } catch (err) {
    throw readFailure(file, err);
  } finally {
    stream.destroy();
  }
}

/**
 * Splits decoded pieces into lines (any of \n, \r\n, \r), in batches so a 300 MB file does not cost
 * one async step per line. Over-long lines are cut at MAX_LINE_CHARS.
 */
export async function* lineBatches(pieces: AsyncIterable<string>): AsyncGenerator<string[]> {
  let carry = '';
  for await (const piece of pieces) {
    let text = carry + piece;
    // A trailing \r may be the first half of a \r\n split across pieces: keep it for the next one.
    const held = text.endsWith('\r') ? '\r' : '';
    if (held) text = text.slice(0, -1);
    const lines: string[] = [];
    for (const line of text.split(/\r\n|\n|\r/)) {
      let rest = line;
      for (; rest.length > MAX_LINE_CHARS; rest = rest.slice(MAX_LINE_CHARS)) lines.push(rest.slice(0, MAX_LINE_CHARS));
      lines.push(rest);
    }
    carry = lines.pop()! + held;
    if (lines.length) yield lines;
  }
  if (carry.endsWith('\r')) carry = carry.slice(0, -1);
  if (carry) yield [carry];
}
