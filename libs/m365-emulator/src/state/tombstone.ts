/** A removed directory object as delta reports it: "changed" = soft-deleted (restorable), "deleted" = gone. */
export interface Tombstone {
  readonly id: string;
  readonly seq: number;
  readonly reason: 'changed' | 'deleted';
}
