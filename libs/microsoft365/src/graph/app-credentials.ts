import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';

/** Everything needed to ask Entra for an app-only token; holds a decrypted private key, so never log it. */
export interface AppCredentials {
  pbxTenantId: string;
  cloud: Microsoft365Cloud;
  applicationId: string;
  directoryId: string;
  keyPairId: string;
  thumbprintSha256: string;
  privateKeyPem: string;
  /** The key pair's certificate; sent as `x5c` when `sendCertificateChain` is on. */
  certificatePem?: string;
}

export interface AppToken {
  accessToken: string;
  expiresOn: Date;
  /** Application permissions granted to the app, from the token's `roles` claim. */
  roles: string[];
}
