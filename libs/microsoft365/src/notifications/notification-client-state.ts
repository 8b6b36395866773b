import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The `clientState` secret of a change-notification subscription: Graph sends it back with every notification, so
 * that the receiver can tell Graph's notifications from anyone else's posts
 * (https://learn.microsoft.com/en-us/graph/api/resources/changenotification, `clientState`). A notification whose
 * `clientState` is not the one we gave its subscription is refused. Only the secret's SHA-256 is stored.
 */
export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** Constant-time comparison of what arrived with the stored hash. */
export function clientStateMatches(received: unknown, storedHash: string): boolean {
  if (typeof received !== 'string' || received === '') return false;
  const a = Buffer.from(hashClientState(received), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * For each notification item, its stored subscription if `clientState` is the secret we gave it, null otherwise
 * (refuse, do nothing). `find` loads the subscriptions of the post's ids in one query, however many items it holds.
 */
export async function verifyNotificationItems<T extends { subscriptionId: string; clientStateHash: string }>(
  items: readonly { subscriptionId?: unknown; clientState?: unknown }[],
  find: (subscriptionIds: string[]) => Promise<T[]>,
): Promise<(T | null)[]> {
  const ids = [
    ...new Set(
      items
        .map((item) => item.subscriptionId)
        .filter((id): id is string => typeof id === 'string' && id.length <= 200),
    ),
  ];
  const rows = ids.length > 0 ? await find(ids) : [];
  const byId = new Map(rows.map((row) => [row.subscriptionId, row]));
  return items.map((item) => {
    const row = typeof item.subscriptionId === 'string' ? byId.get(item.subscriptionId) : undefined;
    return row && clientStateMatches(item.clientState, row.clientStateHash) ? row : null;
  });
}
