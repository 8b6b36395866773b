/**
 * The photo writes of a run's pages that are still in progress. A page's photos are read from Graph while the page
 * is written and while the next pages are read and written, so the `$batch` calls of consecutive pages overlap and
 * the limiter keeps Graph busy across page boundaries (issue 20: photos at Microsoft's limits). Their writes go
 * one page after another, in page order, each in a transaction of its own: a newer page never has its photo
 * overwritten by an older one.
 *
 * At most `maxPages` pages wait here, so a run holds at most that many pages of photos, whatever its size. The first
 * failure fails the run, at the next page or when the run drains them before storing its delta link: a user whose
 * photo was not written keeps its old photo ETag, so the next run fetches that photo again.
 */
export class PendingPhotoWrites {
  private tail: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly maxPages: number) {
    if (!Number.isInteger(maxPages) || maxPages < 1)
      throw new RangeError('maxPages must be a positive integer');
  }

  /** Pages whose photos are not written yet. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Queues one page's photo write behind the earlier pages' ones, then waits until fewer than `maxPages` pages are
   * pending. Throws the first failure of any page so far.
   */
  async add(write: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    const job = this.tail.then(write).then(
      () => undefined,
      (error: unknown) => {
        // Kept, not swallowed: `add` and `drain` rethrow it, and the run reports it.
        this.failure ??= { error };
      },
    );
    this.tail = job;
    this.pending.add(job);
    void job.then(() => this.pending.delete(job));
    while (this.pending.size >= this.maxPages) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  /** Waits for every queued write; throws the first failure. */
  async drain(): Promise<void> {
    await this.tail;
    this.throwIfFailed();
  }

  /** Waits for every queued write without throwing: for a run that already failed for another reason. */
  async settle(): Promise<void> {
    await this.tail;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
