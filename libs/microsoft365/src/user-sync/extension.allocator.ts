import { type EntityManager } from '@mikro-orm/postgresql';
import { type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { type ExtensionRange, extensionCandidates } from './extension-range';
import { reservedExtensions } from './page-links';

/** What a run (or a dry run) reports for each user it could not give a number. */
export const EXTENSION_RANGE_FULL = {
  code: 'EXTENSION_RANGE_FULL',
  message: 'No free extension number is left in the configured range',
  action: 'Widen the extension range in the user sync settings, or free numbers in the PBX.',
} as const;

/** Numbers checked per round trip: one query to our links, one call to the host; a page creates up to 999. */
const WINDOW = 1000;

/**
 * Hands out free extension numbers in order for one run: free means neither used by the host (users, queues,
 * IVRs...) nor reserved by a link (including leavers whose number is kept for their return). Numbers left over
 * in a window are kept for the next call, so a run walks the range once.
 */
export class ExtensionAllocator {
  private readonly windows: Generator<string[]>;
  private free: string[] = [];
  /** Numbers handed out in this run, or taken by users from their extension source: free for nobody else. */
  private readonly taken = new Set<string>();
  private exhausted = false;

  constructor(
    private readonly pbxTenantId: string,
    range: ExtensionRange,
    private readonly directory: PbxDirectoryPort,
  ) {
    this.windows = extensionCandidates(range, WINDOW);
  }

  /** Up to `count` numbers; fewer when the range is full. */
  async take(em: EntityManager, count: number): Promise<string[]> {
    while (this.free.length < count && !this.exhausted) {
      const next = this.windows.next();
      if (next.done) {
        this.exhausted = true;
        break;
      }
      const window = next.value;
      // One after the other: inside a transaction both share one connection.
      const reserved = await reservedExtensions(em, this.pbxTenantId, window);
      const used = await this.directory.findUsedExtensions(this.pbxTenantId, window);
      const taken = new Set([...reserved.map((row) => row.extension), ...used]);
      this.free.push(...window.filter((number) => !taken.has(number) && !this.taken.has(number)));
    }
    const numbers = this.free.splice(0, count);
    for (const number of numbers) this.taken.add(number);
    return numbers;
  }

  /** Numbers users get from their extension source: never handed out to anyone else in this run. */
  claim(numbers: readonly string[]): void {
    if (numbers.length === 0) return;
    for (const number of numbers) this.taken.add(number);
    this.free = this.free.filter((number) => !this.taken.has(number));
  }

  /** What this run gave away so far; a dry run writes no links, so later pages learn it from here. */
  get given(): ReadonlySet<string> {
    return this.taken;
  }
}
