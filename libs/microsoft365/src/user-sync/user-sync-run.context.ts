import { type GraphTarget } from '../graph/graph-api.service';
import { type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { type ExtensionAllocator } from './extension.allocator';
import { type PendingPhotoWrites } from './pending-photo-writes';
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
  /** Pages whose photos are still being read or written; drained before the run stores its delta link. */
  photoWrites: PendingPhotoWrites;
  /** The business phone write-back met a missing permission: not tried again in this run. */
  phonesDenied?: boolean;
  /**
   * The PBX users no account is linked to, read once when the PBX is small enough (see MatchCandidatesFinder);
   * 'per-page': looked up for each page's unlinked users; absent until a page first needs them.
   */
  unlinkedPbxUsers?: Map<string, PbxDirectoryUser> | 'per-page';
  /** Steps per user, for on-demand runs. */
  steps?: Map<string, string[]>;
}
