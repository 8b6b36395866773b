import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';

// @peculiar/x509 uses the WebCrypto provider it is given; Node's is complete for RSA.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface GeneratedKeyPair {
  privateKeyPem: string;
  certificatePem: string;
  details: CertificateDetails;
}

export interface CertificateDetails {
  subject: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Hex, upper case, as the Entra portal shows it. */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export interface CertificateRequest {
  commonName: string;
  now: Date;
  validityDays: number;
  /** RSA modulus length; Entra accepts only RSA for client assertions, and MSAL refuses less than 2048 bits. */
  modulusLength: 2048 | 3072 | 4096;
}

const SIGNING_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
} as const;

/** Creates the RSA key and the self-signed certificate whose public part the admin uploads to the Entra app. */
export async function generateKeyPair(request: CertificateRequest): Promise<GeneratedKeyPair> {
  const keys = await webcrypto.subtle.generateKey(
    { ...SIGNING_ALGORITHM, modulusLength: request.modulusLength },
    true,
    ['sign', 'verify'],
  );
  // A day of slack before "now" so that a PBX whose clock runs slightly fast does not upload a future certificate.
  const notBefore = new Date(request.now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(request.now.getTime() + request.validityDays * 24 * 3600 * 1000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${escapeDnValue(request.commonName)}`,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    certificatePem: certificate.toString('pem'),
    details: describeCertificate(certificate.toString('pem')),
  };
}

export function describeCertificate(certificatePem: string): CertificateDetails {
  const certificate = new x509.X509Certificate(certificatePem);
  const der = Buffer.from(certificate.rawData);
  return {
    subject: certificate.subject,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=#])/g, '\\$1');
}
