/** The kinds of long-lived secrets stored sealed under the master key, each in its own table. */
export type MasterKeySecretKind = 'key-pair' | 'service-account-token-cache';

/** A row still sealed under an older master key version: its id (the table's primary key) and that version. */
export interface RewrapCandidate {
  id: string;
  masterKeyVersion: number;
}

/**
 * How `MasterKeyRotationService` re-wraps one table. Each implementation re-checks the version under a row lock in
 * its own short transaction, so that instances starting at once re-wrap a row exactly once and never write an
 * older ciphertext over a newer one.
 */
export interface SecretRewrapper {
  readonly kind: MasterKeySecretKind;
  /** Rows not under `currentVersion`: ids and versions only, the ciphertext is read under the lock. */
  candidates(currentVersion: number): Promise<RewrapCandidate[]>;
  /**
   * True when this call re-wrapped the row; false when it is gone or another instance re-wrapped it meanwhile.
   * Throws `Microsoft365Exception` when the configured key of the row's version does not open it (a wrong key).
   */
  rewrapOne(id: string, currentVersion: number): Promise<boolean>;
}
