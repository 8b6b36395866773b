import { createHash, KeyObject } from 'node:crypto';
import { toPem, webcrypto, x509 } from './x509.setup';

export interface RsaCertificateOptions {
  subject?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** jsonwebtoken (used by MSAL) refuses RSA keys below 2048 bits (docs/graph-notes.md §1.3). */
  modulusLength?: 2048 | 3072 | 4096;
}

export interface RsaCertificate {
  readonly certificatePem: string;
  /** PKCS#8 ("BEGIN PRIVATE KEY"), the format MSAL Node accepts. */
  readonly privateKeyPem: string;
  readonly certificateDer: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly thumbprintSha1Hex: string;
  readonly thumbprintSha256Hex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const DAY_MS = 86_400_000;

/** Self-signed RSA certificate: used for app client credentials (tests, CLI) and token-signing keys. */
export async function createRsaCertificate(options: RsaCertificateOptions = {}): Promise<RsaCertificate> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: options.modulusLength ?? 2048,
  };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 365 * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: options.subject ?? 'CN=m365-emulator-client',
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  const certificateDer = Buffer.from(certificate.rawData);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const privateKeyPem = toPem(pkcs8, 'PRIVATE KEY');
  return {
    certificatePem: certificate.toString('pem') + '\n',
    privateKeyPem,
    certificateDer,
    privateKey: KeyObject.from(keys.privateKey),
    publicKey: KeyObject.from(keys.publicKey),
    thumbprintSha1Hex: createHash('sha1').update(certificateDer).digest('hex').toUpperCase(),
    thumbprintSha256Hex: createHash('sha256').update(certificateDer).digest('hex').toUpperCase(),
    notBefore,
    notAfter,
  };
}
