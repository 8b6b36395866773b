import { type DirectoryEntry } from './microsoft365-directory.reader';

/**
 * Asks Graph for the next page while the current one is planned and written, so the run waits for Graph and for
 * the database at the same time rather than in turn.
 */
export async function* readAhead<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  // The read-ahead may fail while the current page is still being applied; the failure surfaces when awaited.
  next.catch(() => {
    // expected: the failure surfaces where the page is awaited.
  });
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = pages.next();
    next.catch(() => {
      // expected: the failure surfaces where the page is awaited.
    });
    yield current.value;
  }
}

/** Graph may return one object several times in a delta round; the last one is the current state. */
export function lastOfEach(entries: DirectoryEntry[]): DirectoryEntry[] {
  return [...new Map(entries.map((entry) => [entry.id, entry])).values()];
}
