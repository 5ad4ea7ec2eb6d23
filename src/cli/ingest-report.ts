/**
 * How an ingest looks on a terminal: a live bar with counts and rates while it runs (a plain line
 * every few seconds when stderr is not a terminal, so CI logs stay readable), then a summary.
 */
import cliProgress from 'cli-progress';
import type { IngestProgress, IngestSummary } from '../knowledge/ingest.ts';

export interface ProgressView {
  update(p: IngestProgress): void;
  stop(): void;
}

/** Seconds between progress lines when the output is not a terminal. */
const LOG_EVERY_MS = 2000;

function rates(p: IngestProgress): string {
  const s = Math.max(p.elapsedMs / 1000, 1e-3);
  return `${(p.filesDone / s).toFixed(1)} files/s, ${Math.round(p.chunks / s)} chunks/s, ${(p.bytes / 1048576 / s).toFixed(1)} MB/s`;
}

function counts(p: IngestProgress): string {
  return `${p.documents} stored, ${p.skipped} unchanged, ${p.failed} failed, ${p.chunks} chunks`;
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? barView(stream) : logView(stream);
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'ingest [{bar}] {value}/{total} files | {counts} | {rates} | {current}',
      barsize: 24,
      hideCursor: true,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { counts: counts(p), rates: rates(p), current: p.current ?? p.phase };
      if (!started && p.phase !== 'scanning') {
        bar.start(Math.max(p.filesTotal, 1), p.filesDone, payload);
        started = true;
      } else if (started) {
        bar.update(p.filesDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function logView(stream: NodeJS.WriteStream): ProgressView {
  let last = performance.now();
  return {
    update(p) {
      const now = performance.now();
      if (now - last < LOG_EVERY_MS || p.phase === 'done') return;
      last = now;
      stream.write(`ingest: ${p.filesDone}/${p.filesTotal} files, ${counts(p)} (${rates(p)})\n`);
    },
    stop() {},
  };
}

function size(bytes: number): string {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per agent, as `serve` prints it: `acme-support: 6 documents (6 added), 31 chunks, 0 failed in 0.4 s`. */
export function summaryLine(s: IngestSummary): string {
  const stored = s.sources.reduce((acc, x) => ({ documents: acc.documents + x.stored.documents, chunks: acc.chunks + x.stored.chunks }), { documents: 0, chunks: 0 });
  const changes = (['added', 'changed', 'unchanged', 'removed'] as const).filter((k) => s.documents[k] > 0).map((k) => `${s.documents[k]} ${k}`);
  return `${s.agent}: ${plural(stored.documents, 'document')}${changes.length ? ` (${changes.join(', ')})` : ''}, ${plural(stored.chunks, 'chunk')}, ${s.failed.length} failed in ${s.seconds.toFixed(1)} s`;
}

/** The summary table of a finished ingest, with every failed and ignored file on its own line. */
export function renderSummary(s: IngestSummary): string {
  const files = s.documents.added + s.documents.changed + s.documents.unchanged + s.failed.length;
  const lines = [`${s.agent}: ${plural(files, 'file')} (${size(s.bytes)}) in ${s.seconds.toFixed(1)} s`];
  const header = ['source', 'added', 'changed', 'unchanged', 'removed', 'chunks', 'failed', 'stored'];
  const row = (name: string, x: Pick<IngestSummary, 'documents' | 'chunks'> & { failed: unknown[] }, stored: string) => [
    name,
    String(x.documents.added),
    String(x.documents.changed),
    String(x.documents.unchanged),
    String(x.documents.removed),
    String(x.chunks),
    String(x.failed.length),
    stored,
  ];
  const rows = s.sources.map((src) => row(src.name, src, `${plural(src.stored.documents, 'document')}, ${plural(src.stored.chunks, 'chunk')}`));
  if (s.sources.length > 1) rows.push(row('total', s, ''));
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) {
    lines.push(`  ${r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd()}`);
  }
  if (s.embedding) lines.push(`  embeddings: ${s.embedding.model}, ${s.embedding.tokens} tokens, $${s.embedding.costUsd.toFixed(4)}`);
  if (s.failed.length) {
    lines.push(`${plural(s.failed.length, 'file')} failed:`);
    for (const f of s.failed) lines.push(`  ${f.file}: ${f.reason}`);
  }
  if (s.ignored.length) {
    lines.push(`${plural(s.ignored.length, 'file')} ignored:`);
    for (const f of s.ignored) lines.push(`  ${f.file}: ${f.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
