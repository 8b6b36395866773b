export enum ContactOwnerKind {
  /** A user's personal address book. */
  User = 'user',
  /** The tenant's company address book. */
  Company = 'company',
}
