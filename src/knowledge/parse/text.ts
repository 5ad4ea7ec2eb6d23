import type { DocumentBlock } from '../contracts.ts';

/**
 * Longest paragraph emitted as one block: a file with no blank lines must not be held whole (the
 * chunker splits long blocks further anyway).
 */
const MAX_PARAGRAPH_CHARS = 64 * 1024;

/** Plain text: one paragraph block per run of non-blank lines, with the line it starts on. */
export async function* textBlocks(lines: AsyncIterable<string[]>): AsyncGenerator<DocumentBlock> {
  let paragraph: string[] = [];
  let size = 0;
  let start = 0;
  let lineNo = 0;
  for await (const batch of lines) {
    for (const raw of batch) {
      lineNo++;
      const line = raw.trimEnd();
      if (!line.trim()) {
        if (paragraph.length) yield { kind: 'paragraph', text: paragraph.join('\n'), location: { line: start } };
        paragraph = [];
        size = 0;
        continue;
      }
      if (!paragraph.length) start = lineNo;
      paragraph.push(line);
      size += line.length + 1;
      if (size >= MAX_PARAGRAPH_CHARS) {
        yield { kind: 'paragraph', text: paragraph.join('\n'), location: { line: start } };
        paragraph = [];
        size = 0;
      }
    }
  }
  if (paragraph.length) yield { kind: 'paragraph', text: paragraph.join('\n'), location: { line: start } };
}
