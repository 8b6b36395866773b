// @peculiar/x509 resolves its dependencies through tsyringe, which needs reflect-metadata loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

export { x509, webcrypto };

export function toPem(der: ArrayBuffer | Buffer, label: string): string {
  const base64 = Buffer.from(der instanceof Buffer ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
