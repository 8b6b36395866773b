import { rm } from 'node:fs/promises';
import { CLUSTER_KEY, type GlobalWithCluster } from './global-setup';
import { collectReport, RELIABILITY_REPORT_ENV } from './reliability-report';

export default async function globalTeardown(): Promise<void> {
  const report = collectReport(process.env[RELIABILITY_REPORT_ENV]);
  if (report) {
    process.stdout.write(
      `\nReliability suite: ${report.scenarios} scenarios, ${report.faultsInjected} faults injected, ` +
        `${report.requestsRetried} requests retried, ${report.itemsVerified} items verified\n`,
    );
  }
  const cluster = (globalThis as GlobalWithCluster)[CLUSTER_KEY];
  if (cluster) {
    await cluster.stop();
    await rm(cluster.directory, { recursive: true, force: true });
  }
}
