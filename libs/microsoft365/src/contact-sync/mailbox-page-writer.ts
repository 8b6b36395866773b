import { type AppliedCounts } from './contact-sync.applier';
import { type FolderPageInput } from './contact-folder-pages.statements';

interface Waiting {
  page: FolderPageInput;
  resolve: (counts: AppliedCounts) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the pages of one mailbox's folders, read in parallel, together: a page waits until no other folder of
 * the mailbox is still reading, then every page ready goes in one transaction. The folders' first pages come back
 * within milliseconds of each other, so a mailbox of three small folders costs one transaction instead of three
 * (issue 20: transactions and statements per page were most of the host's CPU in a full run). Each page still
 * commits with its folder's cursor, and a folder reads its next page only after its page is written.
 *
 * A folder calls {@link reading} before each read, then exactly one of {@link write} (with the page read) or
 * {@link settled} (nothing to write, or the read failed).
 */
export class MailboxPageWriter {
  private readonly waiting: Waiting[] = [];
  private reads = 0;
  private flushing = false;

  constructor(private readonly apply: (pages: FolderPageInput[]) => Promise<AppliedCounts[]>) {}

  reading(): void {
    this.reads++;
  }

  settled(): void {
    this.reads--;
    this.flush();
  }

  write(page: FolderPageInput): Promise<AppliedCounts> {
    this.reads--;
    const written = new Promise<AppliedCounts>((resolve, reject) => {
      this.waiting.push({ page, resolve, reject });
    });
    this.flush();
    return written;
  }

  private flush(): void {
    if (this.flushing || this.reads > 0 || this.waiting.length === 0) return;
    this.flushing = true;
    void this.applyBatch(this.waiting.splice(0));
  }

  /** Never rejects: the outcome goes to each waiting folder. */
  private async applyBatch(batch: Waiting[]): Promise<void> {
    try {
      const counts = await this.apply(batch.map((item) => item.page));
      batch.forEach((item, index) => {
        const applied = counts[index];
        if (applied) item.resolve(applied);
        else item.reject(new Error('The applier answered fewer folder pages than it was given'));
      });
    } catch (error) {
      // Handed on: every folder of the batch fails with the transaction, and the processor reports the mailbox.
      for (const item of batch) item.reject(error);
    } finally {
      this.flushing = false;
      this.flush();
    }
  }
}
