import { Microsoft365Exception } from '../common/microsoft365.exception';
import { SecretBox } from './secret-box.service';
import { randomBytes } from 'node:crypto';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

describe(SecretBox.name, () => {
  const box = new SecretBox({ environment: 'production', publicUrl: 'https://pbx', masterKey: keyA });

  it('should round-trip a secret and never store the plaintext', () => {
    const secret = Buffer.from('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
    const sealed = box.seal(secret, 'tenant-1/key-1');
    expect(sealed.masterKeyVersion).toBe(1);
    expect(sealed.ciphertext.includes(secret)).toBe(false);
    expect(sealed.ciphertext.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(box.open(sealed, 'tenant-1/key-1').equals(secret)).toBe(true);
  });

  it('should refuse a ciphertext moved to another context', () => {
    const sealed = box.seal(Buffer.from('secret'), 'tenant-1/key-1');
    expect(() => box.open(sealed, 'tenant-2/key-1')).toThrow(Microsoft365Exception);
  });

  it('should refuse a tampered ciphertext', () => {
    const sealed = box.seal(Buffer.from('secret'), 'ctx');
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
    expect(() => box.open({ ...sealed, ciphertext: tampered }, 'ctx')).toThrow(Microsoft365Exception);
  });

  it('should re-wrap secrets from an older master key under the current one', () => {
    const sealedWithA = box.seal(Buffer.from('secret'), 'ctx');
    const rotated = new SecretBox({
      environment: 'production',
      publicUrl: 'https://pbx',
      masterKey: keyB,
      masterKeyVersion: 2,
      previousMasterKeys: { 1: keyA },
    });
    const rewrapped = rotated.rewrap(sealedWithA, 'ctx');
    expect(rewrapped.masterKeyVersion).toBe(2);
    expect(rotated.open(rewrapped, 'ctx').toString()).toBe('secret');
    expect(() =>
      new SecretBox({ environment: 'production', publicUrl: 'x', masterKey: keyB, masterKeyVersion: 2 }).open(
        sealedWithA,
        'ctx',
      ),
    ).toThrow(/Master key version 1/);
  });

  it('should refuse to start without a master key outside tests, development included', () => {
    expect(() => new SecretBox({ environment: 'production', publicUrl: 'https://pbx' })).toThrow(
      /masterKey is required/,
    );
    expect(() => new SecretBox({ environment: 'development', publicUrl: 'https://pbx' })).toThrow(
      /masterKey is required/,
    );
    expect(() => new SecretBox({ environment: 'test', publicUrl: 'https://pbx' })).not.toThrow();
  });

  it('should open secrets of every configured version and say which versions it holds', () => {
    const rotated = new SecretBox({
      environment: 'production',
      publicUrl: 'https://pbx',
      masterKey: keyB,
      masterKeyVersion: 3,
      previousMasterKeys: { 1: keyA },
    });
    expect([1, 2, 3].map((version) => rotated.hasVersion(version))).toEqual([true, false, true]);
    expect(rotated.open(box.seal(Buffer.from('old'), 'ctx'), 'ctx').toString()).toBe('old');
    expect(rotated.seal(Buffer.from('new'), 'ctx').masterKeyVersion).toBe(3);
  });

  it.each([
    [{ masterKeyVersion: 0 }, /masterKeyVersion must be a positive integer/],
    [{ masterKeyVersion: 1.5 }, /masterKeyVersion must be a positive integer/],
    [{ previousMasterKeys: { 0: keyB } }, /previousMasterKeys\.0 must be a positive integer/],
    [{ previousMasterKeys: { 1: keyB } }, /previousMasterKeys\.1 has the version of the current masterKey/],
    [
      { masterKeyVersion: 2, previousMasterKeys: { 1: Buffer.alloc(8).toString('base64') } },
      /previousMasterKeys\.1 must be 32 bytes/,
    ],
  ])('should refuse the master key configuration %j at start-up', (options, message) => {
    expect(
      () =>
        new SecretBox({ environment: 'production', publicUrl: 'https://pbx', masterKey: keyA, ...options }),
    ).toThrow(message);
  });

  it('should refuse a master key of the wrong length', () => {
    expect(
      () =>
        new SecretBox({
          environment: 'production',
          publicUrl: 'x',
          masterKey: Buffer.alloc(16).toString('base64'),
        }),
    ).toThrow(/32 bytes/);
  });
});
