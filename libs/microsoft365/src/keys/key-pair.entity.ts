import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { ExpiryWarningLevel, KeyPairStatus } from './key-pair-status';
import { randomUUID } from 'node:crypto';

/** A tenant's RSA key and self-signed certificate. The private key is stored only encrypted. */
@Entity({ tableName: 'm365_key_pairs' })
@Index({ properties: ['pbxTenantId', 'status'] })
// At most one active and one pending key pair per tenant, whatever races the API sees.
@Index({
  name: 'm365_key_pairs_one_active',
  expression: `create unique index "m365_key_pairs_one_active" on "m365_key_pairs" ("pbx_tenant_id") where "status" = 'active'`,
})
@Index({
  name: 'm365_key_pairs_one_pending',
  expression: `create unique index "m365_key_pairs_one_pending" on "m365_key_pairs" ("pbx_tenant_id") where "status" = 'pending'`,
})
export class KeyPairEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Enum({ items: () => KeyPairStatus, type: 'text' })
  status!: KeyPairStatus;

  @Property({ type: 'text' })
  certificatePem!: string;

  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'text' })
  serialNumber!: string;

  @Property({ type: 'text' })
  thumbprintSha1!: string;

  @Property({ type: 'text' })
  thumbprintSha256!: string;

  @Property({ type: 'datetime' })
  notBefore!: Date;

  @Property({ type: 'datetime' })
  notAfter!: Date;

  /** AES-256-GCM ciphertext of the PKCS#8 private key; see SecretBox. Never serialised. */
  @Property({ type: 'blob', hidden: true, lazy: true })
  encryptedPrivateKey!: Buffer;

  @Property({ type: 'integer' })
  masterKeyVersion!: number;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  activatedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  retiredAt: Date | null = null;

  /** The last expiry warning already announced, so each one is announced once. */
  @Enum({ items: () => ExpiryWarningLevel, type: 'text', nullable: true })
  lastExpiryWarning: ExpiryWarningLevel | null = null;

  /** Last error seen when trying a pending key, for the admin (e.g. "not uploaded yet"). */
  @Property({ type: 'text', nullable: true })
  lastActivationError: string | null = null;
}

/**
 * Additional authenticated data of a private key's ciphertext: binds it to its tenant and key pair, so a
 * ciphertext copied into another row does not decrypt.
 */
export function keyPairSecretContext(pair: Pick<KeyPairEntity, 'id' | 'pbxTenantId'>): string {
  return `m365-key-pair:${pair.pbxTenantId}:${pair.id}`;
}
