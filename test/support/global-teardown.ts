import { rm } from 'node:fs/promises';
import { CLUSTER_KEY, type GlobalWithCluster } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as GlobalWithCluster)[CLUSTER_KEY];
  if (cluster) {
    await cluster.stop();
    await rm(cluster.directory, { recursive: true, force: true });
  }
}
