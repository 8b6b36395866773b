export type MemberType = 'user' | 'group';

export interface MemberChange {
  readonly seq: number;
  readonly memberId: string;
  readonly memberType: MemberType;
  readonly removed: boolean;
}

export interface DirectoryGroupFields {
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: readonly string[];
  visibility: string | null;
  createdDateTime: string;
}

export class DirectoryGroup {
  lastChangeSeq = 0;
  /** memberId -> type; insertion order is the listing order. */
  readonly members = new Map<string, MemberType>();
  /** Membership history for groups/delta `members@delta` (docs/graph-notes.md §3.3). */
  readonly memberChanges: MemberChange[] = [];

  constructor(
    readonly id: string,
    readonly ordinal: number,
    public fields: DirectoryGroupFields,
  ) {}
}
