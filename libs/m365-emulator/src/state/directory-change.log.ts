import type { ResourceChangeBus } from './resource-change.bus';

export type DirectoryEntityType = 'user' | 'group';

/**
 * Per-tenant append-only log with a monotonic sequence number. Delta tokens store a sequence number, so a
 * delta round only walks entries after it instead of scanning all objects (cheap with 100k users).
 */
export class DirectoryChangeLog {
  private seq = 0;
  private readonly seqs: number[] = [];
  private readonly ids: string[] = [];
  private readonly types: DirectoryEntityType[] = [];

  constructor(private readonly changes: ResourceChangeBus) {}

  current(): number {
    return this.seq;
  }

  /**
   * Creation and soft deletion notify as "updated", only permanent deletion as "deleted" (docs/graph-notes.md
   * §3.2).
   */
  record(type: DirectoryEntityType, id: string, permanentlyDeleted = false): number {
    this.seq += 1;
    this.seqs.push(this.seq);
    this.ids.push(id);
    this.types.push(type);
    this.changes.emit({ kind: type, id, changeType: permanentlyDeleted ? 'deleted' : 'updated' });
    return this.seq;
  }

  /** Entries of one type with afterSeq < seq <= uptoSeq, oldest first. */
  *entries(
    type: DirectoryEntityType,
    afterSeq: number,
    uptoSeq: number,
  ): Generator<{ seq: number; id: string }> {
    let index = this.firstIndexAfter(afterSeq);
    for (; index < this.seqs.length; index++) {
      const seq = this.seqs[index] ?? Number.POSITIVE_INFINITY;
      if (seq > uptoSeq) return;
      if (this.types[index] === type) yield { seq, id: this.ids[index] ?? '' };
    }
  }

  private firstIndexAfter(seq: number): number {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.seqs[mid] ?? 0) <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
