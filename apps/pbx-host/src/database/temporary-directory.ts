import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh directory under the system temp folder for a throw-away cluster. `mkdtemp` makes it owner-only; when
 * running as root, PostgreSQL runs as the `postgres` system user and must be able to enter it.
 */
export async function createTemporaryDirectory(prefix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  await chmod(directory, 0o755);
  return directory;
}
