/**
 * `agentproof test` when a running server holds the store: the run goes through the server's
 * test-run API (the suite file's text is sent as it is), and the command follows it to the end,
 * then reports exactly as a local run does.
 */
import { readFile } from 'node:fs/promises';
import type { CaseResult } from '../eval/run/aggregate.ts';
import { suiteFormatOf } from '../eval/suite/load.ts';
import type { RunRow } from '../eval/run/store.ts';
import type { RunSummary } from '../eval/run/summary.ts';
import { serverRequest } from './store-access.ts';

export interface RemoteRun {
  run: RunRow;
  summary: RunSummary;
}

interface RunView extends Omit<RunRow, 'startedAt' | 'finishedAt'> {
  startedAt: string;
  finishedAt: string | null;
  done: number;
}

const POLL_MS = 250;

export async function runOnServer(
  url: string,
  file: string,
  body: { agent: string; concurrency: number; repeat: number; approvals: string },
  onProgress?: (done: number, total: number) => void,
): Promise<RemoteRun> {
  const format = suiteFormatOf(file);
  let view = await serverRequest<RunView>(url, '/v1/test-runs', { method: 'POST', body: { ...body, suite: await readFile(file, 'utf8'), format } });
  while (view.status === 'running') {
    onProgress?.(view.done, view.caseCount * view.repeats);
    await new Promise((r) => setTimeout(r, POLL_MS));
    view = await serverRequest<RunView>(url, `/v1/test-runs/${encodeURIComponent(view.id)}`);
  }
  if (view.status !== 'completed' || !view.summary) throw new Error(`test run ${view.id} ended ${view.status} on the server at ${url}`);
  const run: RunRow = { ...view, startedAt: new Date(view.startedAt), finishedAt: view.finishedAt ? new Date(view.finishedAt) : null };
  return { run, summary: view.summary as RunSummary };
}

/** Every result of a run the server holds, whole: only reports that show why (JUnit, HTML) need them. */
export async function remoteResults(url: string, runId: string): Promise<CaseResult[]> {
  return (await serverRequest<{ results: CaseResult[] }>(url, `/v1/test-runs/${encodeURIComponent(runId)}/results`)).results;
}
