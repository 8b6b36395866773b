import { Logger } from '@nestjs/common';
import { type ServiceAccountCacheRewrapper } from '../teams-presence/service-account-cache.rewrapper';
import { type KeyPairSecretRewrapper } from './key-pair-secret.rewrapper';
import { MasterKeyRotationService } from './master-key-rotation.service';
import { type SealedSecret, SecretBox } from './secret-box.service';
import { type MasterKeySecretKind, type SecretRewrapper } from './secret-rewrapper';
import { randomBytes } from 'node:crypto';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const options = { environment: 'production' as const, publicUrl: 'https://pbx' };

/** One table in memory, re-wrapped through the real SecretBox as the ORM-backed re-wrappers do. */
class TableRewrapper implements SecretRewrapper {
  readonly rows = new Map<string, SealedSecret>();

  constructor(
    readonly kind: MasterKeySecretKind,
    private readonly box: SecretBox,
  ) {}

  candidates(currentVersion: number) {
    return Promise.resolve(
      [...this.rows]
        .filter(([, sealed]) => sealed.masterKeyVersion !== currentVersion)
        .map(([id, sealed]) => ({ id, masterKeyVersion: sealed.masterKeyVersion })),
    );
  }

  rewrapOne(id: string): Promise<boolean> {
    const sealed = this.rows.get(id);
    if (!sealed) return Promise.resolve(false);
    this.rows.set(id, this.box.rewrap(sealed, id));
    return Promise.resolve(true);
  }
}

describe(MasterKeyRotationService.name, () => {
  const v1 = new SecretBox({ ...options, masterKey: oldKey });
  const v2 = new SecretBox({
    ...options,
    masterKey: newKey,
    masterKeyVersion: 2,
    previousMasterKeys: { 1: oldKey },
  });
  let keyPairs: TableRewrapper;
  let caches: TableRewrapper;
  let service: MasterKeyRotationService;
  let logs: string[];

  beforeEach(() => {
    keyPairs = new TableRewrapper('key-pair', v2);
    caches = new TableRewrapper('service-account-token-cache', v2);
    service = new MasterKeyRotationService(
      v2,
      keyPairs as unknown as KeyPairSecretRewrapper,
      caches as unknown as ServiceAccountCacheRewrapper,
    );
    logs = [];
    for (const level of ['log', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logs.push(String(args[0]));
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('re-wraps private keys and service account token caches, counted per kind; the caches open with the new key alone', async () => {
    keyPairs.rows.set('pair-1', v1.seal(Buffer.from('private key'), 'pair-1'));
    caches.rows.set('tenant-1', v1.seal(Buffer.from('token cache'), 'tenant-1'));
    caches.rows.set('tenant-2', v2.seal(Buffer.from('already current'), 'tenant-2'));

    expect(await service.rewrapSecrets()).toEqual({
      currentVersion: 2,
      rewrapped: 2,
      rewrappedByKind: { 'key-pair': 1, 'service-account-token-cache': 1 },
      unreadable: [],
    });
    const onlyNewKey = new SecretBox({ ...options, masterKey: newKey, masterKeyVersion: 2 });
    expect(onlyNewKey.open(caches.rows.get('tenant-1')!, 'tenant-1').toString()).toBe('token cache');
    expect(logs).toEqual([
      'Re-wrapped 1 private key(s) under master key version 2',
      'Re-wrapped 1 Teams presence service account token cache(s) under master key version 2',
    ]);
  });

  it('lists what it cannot open with its kind and reason, logs versions only, and rethrows anything else', async () => {
    const version3 = new SecretBox({
      ...options,
      masterKey: randomBytes(32).toString('base64'),
      masterKeyVersion: 3,
    });
    const wrongOldKey = new SecretBox({ ...options, masterKey: randomBytes(32).toString('base64') });
    keyPairs.rows.set('pair-1', version3.seal(Buffer.from('private key'), 'pair-1'));
    caches.rows.set('tenant-1', wrongOldKey.seal(Buffer.from('token cache'), 'tenant-1'));

    const report = await service.rewrapSecrets();
    expect(report.unreadable).toEqual([
      { kind: 'key-pair', keyPairId: 'pair-1', masterKeyVersion: 3, reason: 'key-not-configured' },
      {
        kind: 'service-account-token-cache',
        pbxTenantId: 'tenant-1',
        masterKeyVersion: 1,
        reason: 'wrong-key',
      },
    ]);
    expect(report.rewrapped).toBe(0);
    expect(logs).toHaveLength(2);
    expect(logs[1]).toContain(
      '1 Teams presence service account token cache(s) stored under master key version(s) 1',
    );
    expect(logs.join('\n')).not.toMatch(/token cache'|private key'/);

    jest.spyOn(caches, 'rewrapOne').mockRejectedValue(new Error('connection lost'));
    caches.rows.set('tenant-1', v1.seal(Buffer.from('token cache'), 'tenant-1'));
    await expect(service.rewrapSecrets()).rejects.toThrow('connection lost');
  });
});
