import { KeyPairEntity } from '@pbx/microsoft365/keys/key-pair.entity';
import { TenantSettingsEntity } from '@pbx/microsoft365/settings/tenant-settings.entity';

/** Every entity the module persists; all are keyed by PBX tenant. */
export const microsoft365Entities = [TenantSettingsEntity, KeyPairEntity];
