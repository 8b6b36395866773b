export type ChangedResourceKind = 'user' | 'group' | 'contact' | 'event' | 'presence';
export type ResourceChangeType = 'created' | 'updated' | 'deleted';

/**
 * One change to a directory object or mailbox item, as change notifications see it (docs/graph-notes.md §9).
 */
export interface ResourceChange {
  readonly kind: ChangedResourceKind;
  readonly changeType: ResourceChangeType;
  readonly id: string;
  /** Mailbox owner for contacts and events. */
  readonly userId?: string;
  /** Contact folder of a contact. */
  readonly folderId?: string;
  readonly changeKey?: string;
}

export type ResourceChangeListener = (change: ResourceChange) => void;

/** Per-tenant fan-out of changes; costs nothing while nobody listens (seeding 100k users). */
export class ResourceChangeBus {
  private readonly listeners: ResourceChangeListener[] = [];

  listen(listener: ResourceChangeListener): void {
    this.listeners.push(listener);
  }

  emit(change: ResourceChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
