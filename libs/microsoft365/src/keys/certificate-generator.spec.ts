import { describeCertificate, generateKeyPair } from './certificate-generator';
import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';

describe('generateKeyPair', () => {
  const now = new Date('2026-11-22T10:00:00Z');

  it('should create an RSA 2048 key and a self-signed certificate valid for the requested days', async () => {
    const pair = await generateKeyPair({
      commonName: 'PBX acme.example',
      now,
      validityDays: 365,
      modulusLength: 2048,
    });
    const certificate = new X509Certificate(pair.certificatePem);
    expect(certificate.subject).toBe('CN=PBX acme.example');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(new Date(certificate.validTo).getTime()).toBe(now.getTime() + 365 * 24 * 3600 * 1000);
    const privateKey = createPrivateKey(pair.privateKeyPem);
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // The private key belongs to the certificate: a signature made with it verifies with the certificate's key.
    const signature = createSign('sha256').update('x').sign(privateKey);
    expect(createVerify('sha256').update('x').verify(createPublicKey(pair.certificatePem), signature)).toBe(
      true,
    );
  });

  it('should report the thumbprints the Entra portal shows', async () => {
    const pair = await generateKeyPair({ commonName: 'PBX', now, validityDays: 30, modulusLength: 2048 });
    const certificate = new X509Certificate(pair.certificatePem);
    const details = describeCertificate(pair.certificatePem);
    expect(details.thumbprintSha1).toBe(certificate.fingerprint.replace(/:/g, ''));
    expect(details.thumbprintSha256).toBe(certificate.fingerprint256.replace(/:/g, ''));
    expect(details.notAfter.toISOString()).toBe(
      new Date(now.getTime() + 30 * 24 * 3600 * 1000).toISOString(),
    );
  });
});
