export interface EmailAddress {
  readonly name: string | null;
  readonly address: string;
}

/** The contact properties the emulator models (docs/graph-notes.md §7); the others read as null or []. */
export interface ContactFields {
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  companyName: string | null;
  jobTitle: string | null;
  businessPhones: readonly string[];
  homePhones: readonly string[];
  mobilePhone: string | null;
  emailAddresses: readonly EmailAddress[];
}

export class MailboxContact {
  version = 1;
  lastChangeSeq = 0;

  constructor(
    readonly id: string,
    readonly ordinal: number,
    public folderId: string,
    public fields: ContactFields,
    readonly createdDateTime: string,
    public lastModifiedDateTime: string,
    public changeKey: string,
  ) {}
}
