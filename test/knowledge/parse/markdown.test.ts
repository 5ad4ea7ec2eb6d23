import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentBlock } from '../../../src/knowledge/contracts.ts';
import { openMarkdown } from '../../../src/knowledge/parse/markdown.ts';

async function* linesOf(text: string): AsyncGenerator<string[]> {
  yield text.split('\n');
}

async function read(text: string) {
  const doc = await openMarkdown(linesOf(text));
  const blocks: DocumentBlock[] = [];
  for await (const block of doc.blocks) blocks.push(block);
  return { ...doc, blocks };
}

const GUIDE = `---
title: Returns guide
owner: support
---

# Refunds &amp; returns

Customers may return **unused** items within *30 days*
of delivery; see [the form](https://example.com/form).

## Eligibility

- Unused items
  - with their tags
- [x] Receipt required

1. Pack the item
2. Print the label

| Item | Window | Notes |
|------|--------|-------|
| Shoes | 30 days | boxed, with tags |
| Gift card | none | \`non-refundable\` |

\`\`\`sh
# not a heading: a shell comment
curl https://example.com
\`\`\`

> Refunds go to the original payment method.

<div class="note"><p>Raw <b>HTML</b> note</p></div>

Exchanges
---------

Exchanges ship free.
`;

test('keeps headings, paragraphs, lists, tables and code with the line each starts on', async () => {
  const { blocks } = await read(GUIDE);
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.location?.line]),
    [
      ['heading', 6],
      ['paragraph', 8],
      ['heading', 11],
      ['list', 13],
      ['list', 17],
      ['table', 20],
      ['code', 25],
      ['paragraph', 30],
      ['paragraph', 32],
      ['heading', 34],
      ['paragraph', 37],
    ],
  );
  assert.deepEqual(blocks[0], { kind: 'heading', level: 1, text: 'Refunds & returns', location: { line: 6 } });
  assert.equal(blocks[1].text, 'Customers may return unused items within 30 days\nof delivery; see the form.');
  assert.equal(blocks[3].text, '- Unused items\n  - with their tags\n- [x] Receipt required');
  assert.equal(blocks[4].text, '1. Pack the item\n2. Print the label');
  assert.equal(blocks[5].text, 'Item | Window | Notes\nShoes | 30 days | boxed, with tags\nGift card | none | non-refundable');
  assert.equal(blocks[6].text, '# not a heading: a shell comment\ncurl https://example.com');
  assert.equal(blocks[8].text, 'Raw HTML note');
  assert.deepEqual(blocks[9], { kind: 'heading', level: 2, text: 'Exchanges', location: { line: 34 } });
});

test('takes the title from front matter and keeps its other fields as metadata', async () => {
  const doc = await read(GUIDE);
  assert.equal(doc.title, 'Returns guide');
  assert.deepEqual(doc.metadata, { frontMatter: { title: 'Returns guide', owner: 'support' } });
  assert.ok(!doc.blocks.some((b) => b.text.includes('owner')), 'front matter is not content');
});

test('without front matter the title is the first level-1 heading', async () => {
  const doc = await read('## Overview\n\nIntro.\n\n# Shipping policy\n\nText.\n');
  assert.equal(doc.title, 'Shipping policy');
  assert.equal((await read('Just text, no heading.\n')).title, null);
});

test('a long file is lexed in segments and still yields every section at its own line', async () => {
  // ~1.5 MB: several segments. Each section has a fenced block whose "#" lines must stay code.
  const sections: string[] = [];
  for (let i = 0; i < 3000; i++) {
    sections.push(`## Section ${i}\n\n${'Words about this section. '.repeat(15)}\n\n\`\`\`\n# comment ${i}\n\`\`\`\n`);
  }
  const text = sections.join('\n');
  const { blocks } = await read(text);
  const headings = blocks.filter((b) => b.kind === 'heading');
  assert.equal(headings.length, 3000);
  assert.equal(blocks.filter((b) => b.kind === 'code').length, 3000);
  const lines = text.split('\n');
  const last = headings.at(-1)!;
  assert.equal(last.text, 'Section 2999');
  assert.equal(lines[last.location!.line! - 1], '## Section 2999');
  assert.equal(lines[headings[1700].location!.line! - 1], '## Section 1700');
});
