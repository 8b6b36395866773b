/**
 * Life of a key pair. The first one is active at once. Later ones start pending: the active one keeps working
 * until a token has been obtained with the pending one (proof that the admin uploaded it), then they swap.
 */
export enum KeyPairStatus {
  Pending = 'pending',
  Active = 'active',
  Retired = 'retired',
}

export enum ExpiryWarningLevel {
  ThirtyDays = 'days30',
  SevenDays = 'days7',
  Expired = 'expired',
}
