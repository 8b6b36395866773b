import { type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { type Microsoft365User, type RemovedMicrosoft365User } from './microsoft365-user';
import { chooseExtension, type ExtensionSourceNote } from './extension-source';
import { followsMicrosoft365 } from './field-ownership';
import { diffProfile, type FieldChange, hasNoName, profileOf, toPbxProfile } from './user-profile.mapper';
import { evaluateScope } from './user-scope';
import {
  type LeaverAction,
  type LeaverReason,
  LeaverPolicy,
  LinkState,
  type PagePlan,
  type PhotoPlan,
  type PlanContext,
  type UserLink,
  type UserSyncAction,
} from './user-sync-plan';

/**
 * Decides, without any I/O, what one page of Microsoft 365 users means for the PBX. The same plan is the dry run
 * and the input of the applier.
 */
export function planUsers(
  entries: readonly (Microsoft365User | RemovedMicrosoft365User)[],
  context: PlanContext,
): PagePlan {
  const plan: PagePlan = { actions: [], unchanged: 0, outOfScope: {}, photos: [] };
  const claimed = new Set<string>();
  const numbers = new Set(context.numbering?.unavailable);
  for (const entry of entries) {
    const link = context.links.get(entry.id);
    if ('removed' in entry) {
      pushLeaver(plan, link, null, 'deleted-in-microsoft365', context);
      continue;
    }
    if (link?.state === LinkState.Unbound) {
      plan.actions.push({
        action: 'skip',
        objectId: entry.id,
        userPrincipalName: entry.userPrincipalName,
        reason: 'unbound',
      });
      continue;
    }
    const verdict = evaluateScope(entry, context.scope);
    if (!verdict.inScope) {
      plan.outOfScope[verdict.reason] = (plan.outOfScope[verdict.reason] ?? 0) + 1;
      pushLeaver(plan, link, entry.userPrincipalName, verdict.reason, context);
      continue;
    }
    if (hasNoName(entry)) {
      plan.actions.push({
        action: 'skip',
        objectId: entry.id,
        userPrincipalName: entry.userPrincipalName,
        reason: 'no-name',
      });
      continue;
    }
    planInScope(plan, entry, link, context, claimed, numbers);
  }
  return plan;
}

/** In a full run, linked users Graph did not return at all have been deleted in Microsoft 365. */
export function planMissing(
  links: readonly UserLink[],
  context: Pick<PlanContext, 'leaverPolicy'>,
): LeaverAction[] {
  return planLeavers(links, 'deleted-in-microsoft365', context);
}

/** Linked users known to have left for `reason` without Graph returning them (e.g. removed from a group). */
export function planLeavers(
  links: readonly (UserLink & { userPrincipalName?: string | null })[],
  reason: LeaverReason,
  context: Pick<PlanContext, 'leaverPolicy'>,
): LeaverAction[] {
  const plan: PagePlan = { actions: [], unchanged: 0, outOfScope: {}, photos: [] };
  for (const link of links) pushLeaver(plan, link, link.userPrincipalName ?? null, reason, context);
  return plan.actions as LeaverAction[];
}

function planInScope(
  plan: PagePlan,
  user: Microsoft365User,
  link: UserLink | undefined,
  context: PlanContext,
  claimed: Set<string>,
  numbers: Set<string>,
): void {
  const profile = toPbxProfile(user);
  const pbxUser = link?.pbxUserId ? context.pbxUsers.get(link.pbxUserId) : undefined;
  const photoFollows: PhotoPlan[] = context.pbxOwned.has('photo')
    ? []
    : [{ objectId: user.id, reason: 'follows-microsoft365' }];
  if (link && pbxUser) {
    plan.photos.push(...photoFollows);
    const changes = microsoft365Owned(diffProfile(profileOf(pbxUser), profile), context);
    const enable = !pbxUser.enabled;
    if (changes.length === 0 && !enable && link.state === LinkState.Active) {
      plan.unchanged++;
      return;
    }
    plan.actions.push({
      action: 'update',
      objectId: user.id,
      userPrincipalName: profile.userPrincipalName ?? '',
      pbxUserId: pbxUser.id,
      changes,
      enable,
    });
    return;
  }
  if (!link && context.linkExistingUsers) {
    const match = findMatch(user, context, claimed);
    if (match) {
      claimed.add(match.user.id);
      plan.photos.push(...photoFollows);
      plan.actions.push({
        action: 'link',
        objectId: user.id,
        userPrincipalName: profile.userPrincipalName ?? '',
        pbxUserId: match.user.id,
        matchedBy: match.by,
        // The PBX user existed before the link: what the PBX owns stays as the PBX has it.
        changes: microsoft365Owned(diffProfile(profileOf(match.user), profile), context),
        enable: !match.user.enabled,
        extension: match.user.extension,
      });
      return;
    }
  }
  // New, or its PBX user is gone (deleted by the leaver policy, or in the PBX by hand): the old extension is kept
  // for it, and every field is set from Microsoft 365, the ones the PBX owns included.
  plan.photos.push({ objectId: user.id, reason: 'created' });
  plan.actions.push({
    action: 'create',
    objectId: user.id,
    userPrincipalName: profile.userPrincipalName ?? '',
    profile,
    reuseExtension: link?.extension ?? null,
    ...(link?.extension ? {} : sourceNumber(user, context, numbers)),
  });
}

/**
 * A new user's number from `extensionSource`, when it gives a valid, free one in range; `numbers` holds the
 * numbers in use, and the ones this page hands out join it, so two users with one value never share it.
 */
function sourceNumber(
  user: Microsoft365User,
  context: PlanContext,
  numbers: Set<string>,
): { sourceExtension?: string; extensionNote?: ExtensionSourceNote } {
  if (!context.numbering) return {};
  const choice = chooseExtension(user, context.numbering.source, context.numbering.range, numbers);
  if (choice.extension === null) return choice.note ? { extensionNote: choice.note } : {};
  numbers.add(choice.extension);
  return { sourceExtension: choice.extension };
}

/** Only the changes of fields Microsoft 365 owns: an update never touches what the PBX keeps. */
function microsoft365Owned(changes: FieldChange[], context: PlanContext): FieldChange[] {
  return changes.filter((change) => followsMicrosoft365(change.field, context.pbxOwned));
}

function findMatch(
  user: Microsoft365User,
  context: PlanContext,
  claimed: Set<string>,
): { user: PbxDirectoryUser; by: 'userPrincipalName' | 'email' } | undefined {
  const byUpn = context.matchable.byUserPrincipalName.get(user.userPrincipalName.toLowerCase());
  if (byUpn && !claimed.has(byUpn.id)) return { user: byUpn, by: 'userPrincipalName' };
  const mail = user.mail?.trim().toLowerCase();
  const byEmail = mail ? context.matchable.byEmail.get(mail) : undefined;
  if (byEmail && !claimed.has(byEmail.id)) return { user: byEmail, by: 'email' };
  return undefined;
}

function pushLeaver(
  plan: PagePlan,
  link: UserLink | undefined,
  userPrincipalName: string | null,
  reason: LeaverReason,
  context: Pick<PlanContext, 'leaverPolicy'>,
): void {
  // Only users the sync is responsible for leave; anything already handled stays as it is.
  if (!link?.pbxUserId || link.state !== LinkState.Active) return;
  const base = { objectId: link.objectId, userPrincipalName, pbxUserId: link.pbxUserId, reason };
  switch (context.leaverPolicy) {
    case LeaverPolicy.Disable:
      plan.actions.push({ action: 'disable', ...base });
      return;
    case LeaverPolicy.Delete:
      plan.actions.push({ action: 'delete', ...base });
      return;
    case LeaverPolicy.Keep:
      plan.actions.push({ action: 'keep', ...base });
      return;
  }
}

export function isLeaverAction(action: UserSyncAction): action is LeaverAction {
  return action.action === 'disable' || action.action === 'delete' || action.action === 'keep';
}
