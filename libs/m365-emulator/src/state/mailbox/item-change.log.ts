/** Append-only (seq, itemId) log of one contact folder; a delta round walks only entries after its token. */
export class ItemChangeLog {
  private readonly seqs: number[] = [];
  private readonly ids: string[] = [];

  record(seq: number, itemId: string): void {
    this.seqs.push(seq);
    this.ids.push(itemId);
  }

  /** Entries with afterSeq < seq <= uptoSeq, oldest first. */
  *entries(afterSeq: number, uptoSeq: number): Generator<{ seq: number; id: string }> {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.seqs[mid] ?? 0) <= afterSeq) low = mid + 1;
      else high = mid;
    }
    for (let index = low; index < this.seqs.length; index++) {
      const seq = this.seqs[index] ?? Number.POSITIVE_INFINITY;
      if (seq > uptoSeq) return;
      yield { seq, id: this.ids[index] ?? '' };
    }
  }
}
