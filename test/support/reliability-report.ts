import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by global-setup; every worker appends its figures to this file, global-teardown prints the totals. */
export const RELIABILITY_REPORT_ENV = 'PBX_RELIABILITY_REPORT';

export interface ReliabilityFigures {
  scenarios: number;
  faultsInjected: number;
  requestsRetried: number;
  itemsVerified: number;
}

export function newReportFile(): string {
  return join(tmpdir(), `pbx-reliability-${process.pid}-${Date.now()}.jsonl`);
}

/** Adds one scenario's figures to the run's report. */
export function reportScenario(name: string, figures: Partial<Omit<ReliabilityFigures, 'scenarios'>>): void {
  const file = process.env[RELIABILITY_REPORT_ENV];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ name, ...figures })}\n`);
}

/** The totals, or null when no reliability scenario ran. Removes the file. */
export function collectReport(file: string | undefined): (ReliabilityFigures & { names: string[] }) | null {
  if (!file || !existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  rmSync(file, { force: true });
  const totals = {
    scenarios: 0,
    faultsInjected: 0,
    requestsRetried: 0,
    itemsVerified: 0,
    names: [] as string[],
  };
  for (const line of lines) {
    const entry = JSON.parse(line) as Partial<ReliabilityFigures> & { name: string };
    totals.scenarios++;
    totals.names.push(entry.name);
    totals.faultsInjected += entry.faultsInjected ?? 0;
    totals.requestsRetried += entry.requestsRetried ?? 0;
    totals.itemsVerified += entry.itemsVerified ?? 0;
  }
  return totals;
}
