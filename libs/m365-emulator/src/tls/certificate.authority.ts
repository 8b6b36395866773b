import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem, webcrypto, x509 } from './x509.setup';

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface ServerTlsMaterial {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * The emulator's own CA. TLS validity uses real time on purpose: clients check certificates against the wall
 * clock, not against the emulator clock that tests move forward.
 */
export class CertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly privateKey: webcrypto.CryptoKey,
    readonly caPem: string,
    readonly caPath: string | undefined,
  ) {}

  /** Loads the CA from stateDir when present (so restarts keep trust), otherwise creates one. */
  static async loadOrCreate(stateDir?: string): Promise<CertificateAuthority> {
    if (stateDir) {
      const existing = await CertificateAuthority.tryLoad(stateDir);
      if (existing) return existing;
    }
    const keys = await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
    const notBefore = new Date(Date.now() - DAY_MS);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=M365 Emulator Local CA, O=PBX test infrastructure',
      notBefore,
      notAfter: new Date(notBefore.getTime() + 3650 * DAY_MS),
      keys,
      signingAlgorithm: EC_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const caPem = certificate.toString('pem') + '\n';
    let caPath: string | undefined;
    if (stateDir) {
      mkdirSync(stateDir, { recursive: true });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
      writeFileSync(join(stateDir, 'ca-key.pem'), toPem(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
      caPath = join(stateDir, 'ca.pem');
      writeFileSync(caPath, caPem);
    }
    return new CertificateAuthority(certificate, keys.privateKey, caPem, caPath);
  }

  async issueServerCertificate(): Promise<ServerTlsMaterial> {
    const keys = await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
    const notBefore = new Date(Date.now() - DAY_MS);
    const certificate = await x509.X509CertificateGenerator.create({
      subject: 'CN=localhost',
      issuer: this.certificate.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 365 * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: this.privateKey,
      signingAlgorithm: EC_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { certificatePem: certificate.toString('pem') + '\n', privateKeyPem: toPem(pkcs8, 'PRIVATE KEY') };
  }

  private static async tryLoad(stateDir: string): Promise<CertificateAuthority | undefined> {
    const certPath = join(stateDir, 'ca.pem');
    const keyPath = join(stateDir, 'ca-key.pem');
    if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
    const caPem = readFileSync(certPath, 'utf8');
    const certificate = new x509.X509Certificate(caPem);
    if (certificate.notAfter.getTime() < Date.now() + DAY_MS) return undefined;
    const keyDer = x509.PemConverter.decodeFirst(readFileSync(keyPath, 'utf8'));
    const privateKey = await webcrypto.subtle.importKey('pkcs8', keyDer, EC_ALGORITHM, true, ['sign']);
    return new CertificateAuthority(certificate, privateKey, caPem, certPath);
  }
}
