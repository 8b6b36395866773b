import { type KeyPairEntity } from './key-pair.entity';

/**
 * A new key pair waits until Microsoft accepts its certificate (the token endpoint answers with it); until then
 * the active one stays in use. Shown by the settings and the connection test, with the step that ends the wait.
 */
export function pendingCertificateWarning(
  pending: Pick<KeyPairEntity, 'thumbprintSha1' | 'lastActivationError'>,
): { code: 'CERTIFICATE_PENDING'; message: string; action: string } {
  const why = pending.lastActivationError ? ` (last try: ${pending.lastActivationError})` : '';
  return {
    code: 'CERTIFICATE_PENDING',
    message:
      `A new certificate (SHA-1 thumbprint ${pending.thumbprintSha1}) is waiting: Microsoft has not accepted it ` +
      `yet${why}. The current certificate stays in use until it does.`,
    action:
      'Download the pending certificate (GET .../certificates/pending/public_key.pem), upload it in the Entra ' +
      'admin center under App registrations → your app → Certificates & secrets → Certificates → Upload ' +
      'certificate, then run the connection test: it switches to the new certificate.',
  };
}
