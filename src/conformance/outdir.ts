/**
 * Autobahn-compatible report folder: `index.json` ({agent: {case: {behavior, behaviorClose,
 * duration, remoteCloseCode, reportfile}}}), one JSON file per agent and case named as
 * Autobahn names them (`<agent>_case_1_2_3.json`), and a self-contained `index.html`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtmlReport } from './html-report.js';
import type { CaseResult } from './types.js';

/** One row of index.json, as Autobahn writes it. */
export interface IndexEntry {
  behavior: CaseResult['behavior'];
  behaviorClose: CaseResult['behaviorClose'];
  /** milliseconds. */
  duration: number;
  remoteCloseCode: number | null;
  reportfile: string;
}

export type IndexJson = Record<string, Record<string, IndexEntry>>;

/** Autobahn's file-name form of an agent: lower case, runs of other characters as one "_". */
export function cleanForFilename(agent: string): string {
  return agent
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/ /g, '_');
}

/** The per-case report file of an agent, e.g. `ws_case_6_4_1.json`. */
export function reportFileName(agent: string, id: string): string {
  return `${cleanForFilename(agent)}_case_${id.replace(/\./g, '_')}.json`;
}

/** The index.json object for the results of every agent. */
export function buildIndex(results: ReadonlyMap<string, readonly CaseResult[]>): IndexJson {
  const index: IndexJson = {};
  for (const [agent, cases] of results) {
    index[agent] = {};
    for (const r of cases) {
      index[agent][r.id] = {
        behavior: r.behavior,
        behaviorClose: r.behaviorClose,
        duration: r.durationMs,
        remoteCloseCode: r.remoteCloseCode,
        reportfile: reportFileName(agent, r.id),
      };
    }
  }
  return index;
}

/** The per-case report: Autobahn's field names, plus `reason` (one line on what went wrong), `violation` and `notes` (findings stricter than Autobahn's verdict). */
export function caseReport(agent: string, r: CaseResult): Record<string, unknown> {
  const d = r.detail;
  return {
    agent,
    id: r.id,
    description: r.description,
    expectation: d?.expectation ?? null,
    behavior: r.behavior,
    behaviorClose: r.behaviorClose,
    reason: r.reason,
    result: d?.result ?? r.reason,
    resultClose: d?.resultClose ?? null,
    started: d?.started ?? null,
    duration: r.durationMs,
    reportTime: r.id.startsWith('9.'),
    expected: d?.expected ?? null,
    received: d?.received ?? null,
    receivedCount: d?.receivedCount ?? null,
    expectedClose: d?.expectedClose ?? null,
    closedByMe: d?.closedByMe ?? null,
    failedByMe: d?.failedByMe ?? null,
    droppedByMe: d?.droppedByMe ?? null,
    wasClean: d?.wasClean ?? null,
    wasNotCleanReason: d?.wasNotCleanReason ?? null,
    violation: d?.violation ?? null,
    notes: d?.notes ?? [],
    localCloseCode: r.localCloseCode,
    remoteCloseCode: r.remoteCloseCode,
    remoteCloseReason: d?.remoteCloseReason ?? null,
    httpRequest: d?.http?.request ?? null,
    httpResponse: d?.http?.response ?? null,
    wirelog: d?.wirelog ?? null,
  };
}

/** Writes index.json, the per-case JSON files and index.html into `outdir` (created when missing). */
export async function writeReportFolder(outdir: string, results: ReadonlyMap<string, readonly CaseResult[]>, title: string): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await writeFile(join(outdir, 'index.json'), `${JSON.stringify(buildIndex(results), null, 2)}\n`);
  for (const [agent, cases] of results) {
    for (const r of cases) await writeFile(join(outdir, reportFileName(agent, r.id)), `${JSON.stringify(caseReport(agent, r), null, 2)}\n`);
  }
  await writeFile(join(outdir, 'index.html'), renderHtmlReport(results, title));
}
