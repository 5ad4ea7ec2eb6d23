/**
 * Temporary agents with knowledge folders, for the ingestion tests: an agent.yaml declaring the
 * sources, and real files of every supported format beside it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadAgent, type LoadedAgent } from '../../src/agent/load.ts';
import { docxParagraph, docxTable, makeDocx, makePdf } from './parse/fixtures.ts';

export interface SourceSpec {
  name: string;
  path: string;
  baseUrl?: string;
  chunking?: { maxTokens?: number; overlapTokens?: number };
}

export interface TempAgent {
  dir: string;
  /** Writes a file relative to the agent folder (creating folders). */
  write(rel: string, content: string | Uint8Array): Promise<string>;
  /** The agent as loaded now (reload after changing agent.yaml). */
  load(): Promise<LoadedAgent>;
  remove(): Promise<void>;
}

export async function tempAgent(name: string, sources: SourceSpec[]): Promise<TempAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-ingest-'));
  const yaml = [
    `name: ${name}`,
    'description: A test agent with knowledge.',
    'topics:',
    '  - name: help',
    '    description: Questions about the product.',
    'knowledge:',
    ...sources.flatMap((s) => [
      `  - name: ${s.name}`,
      `    path: ${s.path}`,
      ...(s.baseUrl ? [`    baseUrl: ${s.baseUrl}`] : []),
      ...(s.chunking ? ['    chunking:', ...Object.entries(s.chunking).map(([k, v]) => `      ${k}: ${v}`)] : []),
    ]),
    '',
  ].join('\n');
  await writeFile(join(dir, 'agent.yaml'), yaml);
  const write = async (rel: string, content: string | Uint8Array) => {
    const file = join(dir, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    return file;
  };
  return { dir, write, load: () => loadAgent(dir), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** One good document of every supported format, under `folder`. */
export async function writeEveryFormat(agent: TempAgent, folder: string): Promise<void> {
  await agent.write(`${folder}/returns.md`, '# Returns policy\n\n## Refunds\n\nRefunds are paid within 14 days of receiving the parcel.\n\n## Exchanges\n\nExchanges are free for 30 days.\n');
  await agent.write(`${folder}/notes.txt`, 'Support is open from 9 to 5 on weekdays.\n\nCall us at any time for urgent matters.\n');
  await agent.write(`${folder}/guides/setup.html`, '<html><head><title>Setup guide</title></head><body><h1>Setup</h1><h2>Pairing</h2><p>Hold the button for five seconds to pair the headset.</p></body></html>');
  await agent.write(`${folder}/prices.csv`, 'product,price\nHeadset,99\nCharger,19\n');
  await agent.write(`${folder}/manual.docx`, makeDocx(docxParagraph('Manual', 'Heading1') + docxParagraph('Battery', 'Heading2') + docxParagraph('The battery lasts twenty hours.') + docxTable([['Part', 'Life'], ['Battery', '2 years']])));
  await agent.write(`${folder}/warranty.pdf`, await makePdf({ title: 'Warranty', pages: [{ heading: 'Coverage', paragraphs: ['Two years on all parts and labour.'] }] }));
}
