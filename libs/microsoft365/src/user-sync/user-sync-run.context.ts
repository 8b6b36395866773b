import { type GraphTarget } from '../graph/graph-api.service';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { type ExtensionAllocator } from './extension.allocator';
import { type ResolvedGroupScope } from './group-scope.resolver';
import { type UserScope } from './user-scope';
import { type LeaverAction } from './user-sync-plan';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';

/** A dry run or an on-demand run keeps at most this many planned actions in its report. */
export const MAX_PLAN_ENTRIES = 5000;

/** Everything one run carries from page to page. */
export interface UserSyncRunContext {
  run: SyncRunEntity;
  target: GraphTarget;
  settings: UserSyncSettingsEntity;
  scope: UserScope;
  /** The group scope's members and groups delta link; absent without a group filter (and on on-demand runs). */
  groupScope?: ResolvedGroupScope;
  allocator: ExtensionAllocator;
  /** Object ids Graph returned in this run. */
  seen: Set<string>;
  /** Leavers are decided at the end of the run, after the deletion guard has seen them all. */
  leavers: Map<string, LeaverAction>;
  photos: boolean;
  /** The business phone write-back met a missing permission: not tried again in this run. */
  phonesDenied?: boolean;
  /** Steps per user, for on-demand runs. */
  steps?: Map<string, string[]>;
}
