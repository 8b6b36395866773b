import { type EntityManager } from '@mikro-orm/postgresql';
import { type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { type ExtensionAllocator } from './extension.allocator';
import { EXTENSION_PATTERN, type ExtensionRange } from './extension-range';
import { type ExtensionSource, inRange, sourceValue } from './extension-source';
import { type Microsoft365User } from './microsoft365-user';
import { reservedExtensions } from './page-links';
import { type PlanContext } from './user-sync-plan';

/**
 * What the planner needs to take numbers from `extensionSource` for one page (the I/O part; the choice itself is
 * pure, in `extension-source.ts`): which of the page's valid in-range values the PBX uses, a link reserves (a
 * leaver's number included) or this run already gave away. One query to our links, one call to the host.
 */
export async function loadNumbering(
  em: EntityManager,
  directory: PbxDirectoryPort,
  pbxTenantId: string,
  source: ExtensionSource,
  range: ExtensionRange,
  users: readonly Microsoft365User[],
  allocator: ExtensionAllocator,
): Promise<PlanContext['numbering']> {
  if (source === 'ALLOCATOR') return undefined;
  const candidates = [
    ...new Set(
      users
        .map((user) => sourceValue(user, source))
        .filter((value): value is string => value !== null && EXTENSION_PATTERN.test(value))
        .filter((value) => inRange(value, range)),
    ),
  ];
  const unavailable = new Set<string>(allocator.given);
  if (candidates.length > 0) {
    // One after the other: inside a transaction both would share one connection.
    const reserved = await reservedExtensions(em, pbxTenantId, candidates);
    for (const row of reserved) unavailable.add(row.extension);
    for (const used of await directory.findUsedExtensions(pbxTenantId, candidates)) unavailable.add(used);
  }
  return { source, range, unavailable };
}
