import { Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A PBX tenant: one customer, reached by its own SIP domain. */
@Entity({ tableName: 'tenants' })
export class TenantEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Lower-case; phones register as `<extension>@<sipDomain>`. */
  @Property({ type: 'text' })
  @Unique({ name: 'tenants_sip_domain_unique' })
  sipDomain!: string;

  /** IANA time zone, e.g. `Europe/Berlin`. */
  @Property({ type: 'text' })
  timeZone!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
