import type { EmulatorContext, RouteFamily } from '../../emulator.context';
import { readJson, requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { DirectoryUser } from '../../state/directory-user';
import type { GraphCaller } from '../graph-caller';
import { GraphError } from '../graph.error';
import { findUserOrThrow } from '../users.routes';
import { parseIsoDuration } from './iso-duration';

/**
 * Teams presence (docs/graph-notes.md §13):
 * https://learn.microsoft.com/en-us/graph/api/presence-get,
 * https://learn.microsoft.com/en-us/graph/api/cloudcommunications-getpresencesbyuserid,
 * https://learn.microsoft.com/en-us/graph/api/presence-setpresence,
 * https://learn.microsoft.com/en-us/graph/api/presence-clearpresence,
 * https://learn.microsoft.com/en-us/graph/api/presence-setuserpreferredpresence.
 * Microsoft does not document the error codes of these APIs beyond the statuses; the emulator answers 403
 * `Forbidden` without the permission and 400 `BadRequest` for a body the docs rule out (an assumption, §13).
 */
export const PRESENCE_READ_PERMISSIONS: readonly string[] = [
  'Presence.Read.All',
  'Presence.ReadWrite.All',
  // Delegated: Presence.Read (own presence) and Presence.Read.All.
  'Presence.Read',
];
export const PRESENCE_WRITE_PERMISSIONS: readonly string[] = ['Presence.ReadWrite.All', 'Presence.ReadWrite'];

/** "Maximum of 650 user IDs are supported per API request." */
export const MAX_PRESENCE_IDS = 650;

/** setPresence: the documented availability/activity pairs and the 5..240 minute expiration (default 5). */
export const SET_PRESENCE_PAIRS: readonly string[] = [
  'Available/Available',
  'Busy/InACall',
  'Busy/InAConferenceCall',
  'Away/Away',
  'DoNotDisturb/Presenting',
];
const MIN_EXPIRATION_MS = 5 * 60_000;
const MAX_EXPIRATION_MS = 240 * 60_000;

/** setUserPreferredPresence: its pairs, and its default expiration (1 day for DoNotDisturb and Busy, else 7). */
export const PREFERRED_PRESENCE_PAIRS: readonly string[] = [
  'Available/Available',
  'Busy/Busy',
  'DoNotDisturb/DoNotDisturb',
  'BeRightBack/BeRightBack',
  'Away/Away',
  'Offline/OffWork',
];

const denied = () => new GraphError(403, 'Forbidden', 'Insufficient privileges to complete the operation.');
const badRequest = (message: string) => new GraphError(400, 'BadRequest', message);

function body(request: EmulatorRequest): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = readJson(request);
  } catch {
    throw badRequest('Unable to read JSON request payload.');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest('The request body is required.');
  return raw as Record<string, unknown>;
}

function projectPresence(context: EmulatorContext, caller: GraphCaller, user: DirectoryUser) {
  return { id: user.id, ...caller.tenant.presence.presence(user.id, context.clock.now()) };
}

function getPresence(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_READ_PERMISSIONS, denied);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  return odataResponse(200, {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#users('${user.id}')/presence/$entity`,
    ...projectPresence(context, caller, user),
  });
}

function getPresencesByUserId(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_READ_PERMISSIONS, denied);
  const ids = body(request)['ids'];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw badRequest('ids must be a collection of user object ids.');
  }
  if (ids.length > MAX_PRESENCE_IDS) {
    throw badRequest(
      `A maximum of ${MAX_PRESENCE_IDS} user ids is supported per request; ${ids.length} were sent.`,
    );
  }
  // Ids of no user of the tenant are left out of the answer (not documented; an assumption, §13).
  const users = (ids as string[]).flatMap((id) => {
    const user = caller.tenant.users.find(id);
    return user ? [user] : [];
  });
  return odataResponse(200, {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#Collection(microsoft.graph.presence)`,
    value: users.map((user) => projectPresence(context, caller, user)),
  });
}

function pairOf(
  input: Record<string, unknown>,
  allowed: readonly string[],
): { availability: string; activity: string } {
  const { availability, activity } = input;
  if (
    typeof availability !== 'string' ||
    typeof activity !== 'string' ||
    !allowed.includes(`${availability}/${activity}`)
  ) {
    throw badRequest(
      `The combination of availability '${String(availability)}' and activity '${String(activity)}' is not supported.`,
    );
  }
  return { availability, activity };
}

/** "Provide the ID of the application as sessionId in the request." */
function requireOwnSession(caller: GraphCaller, input: Record<string, unknown>): string {
  const sessionId = input['sessionId'];
  if (typeof sessionId !== 'string' || sessionId.toLowerCase() !== caller.appId.toLowerCase()) {
    throw badRequest('sessionId must be the ID of the calling application.');
  }
  return sessionId;
}

function expiration(input: Record<string, unknown>, defaultMs: number, bounds?: [number, number]): number {
  const raw = input['expirationDuration'];
  if (raw === undefined || raw === null) return defaultMs;
  const ms = typeof raw === 'string' ? parseIsoDuration(raw) : undefined;
  if (ms === undefined)
    throw badRequest(`expirationDuration '${JSON.stringify(raw)}' is not an ISO 8601 duration.`);
  if (bounds && (ms < bounds[0] || ms > bounds[1])) {
    throw badRequest('The valid expirationDuration range is 5-240 minutes (PT5M to PT4H).');
  }
  return ms;
}

function setPresence(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_WRITE_PERMISSIONS, denied);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  const input = body(request);
  const sessionId = requireOwnSession(caller, input);
  const pair = pairOf(input, SET_PRESENCE_PAIRS);
  const ms = expiration(input, MIN_EXPIRATION_MS, [MIN_EXPIRATION_MS, MAX_EXPIRATION_MS]);
  const now = context.clock.now();
  caller.tenant.presence.track(user.id, now, () =>
    caller.tenant.presence.setSession(user.id, sessionId, { ...pair, expiresAtMs: now + ms }),
  );
  return { status: 200, headers: {} };
}

function clearPresence(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_WRITE_PERMISSIONS, denied);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  const sessionId = requireOwnSession(caller, body(request));
  // "If the presence session doesn't exist, this method returns a 404 NotFound response code."
  const now = context.clock.now();
  if (
    !caller.tenant.presence.track(user.id, now, () =>
      caller.tenant.presence.clearSession(user.id, sessionId, now),
    )
  ) {
    throw new GraphError(404, 'NotFound', `The presence session ${sessionId} does not exist.`);
  }
  return { status: 200, headers: {} };
}

function setUserPreferredPresence(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_WRITE_PERMISSIONS, denied);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  const input = body(request);
  const pair = pairOf(input, PREFERRED_PRESENCE_PAIRS);
  const day = 24 * 60 * 60_000;
  const ms = expiration(input, ['DoNotDisturb', 'Busy'].includes(pair.availability) ? day : 7 * day);
  const now = context.clock.now();
  caller.tenant.presence.track(user.id, now, () =>
    caller.tenant.presence.setPreferred(user.id, { ...pair, expiresAtMs: now + ms }),
  );
  return { status: 200, headers: {} };
}

function clearUserPreferredPresence(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorizeUncharged(request, PRESENCE_WRITE_PERMISSIONS, denied);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  caller.tenant.presence.track(user.id, context.clock.now(), () =>
    caller.tenant.presence.clearPreferred(user.id),
  );
  return { status: 200, headers: {} };
}

export const presenceRoutes: RouteFamily = (context) => [
  {
    method: 'GET',
    path: '/v1.0/users/{id}/presence',
    kind: 'graph',
    handler: (r) => getPresence(context, r),
  },
  {
    method: 'GET',
    path: '/v1.0/communications/presences/{id}',
    kind: 'graph',
    handler: (r) => getPresence(context, r),
  },
  {
    method: 'POST',
    path: '/v1.0/communications/getPresencesByUserId',
    kind: 'graph',
    handler: (r) => getPresencesByUserId(context, r),
  },
  {
    method: 'POST',
    path: '/v1.0/users/{id}/presence/setPresence',
    kind: 'graph',
    handler: (r) => setPresence(context, r),
  },
  {
    method: 'POST',
    path: '/v1.0/users/{id}/presence/clearPresence',
    kind: 'graph',
    handler: (r) => clearPresence(context, r),
  },
  {
    method: 'POST',
    path: '/v1.0/users/{id}/presence/setUserPreferredPresence',
    kind: 'graph',
    handler: (r) => setUserPreferredPresence(context, r),
  },
  {
    method: 'POST',
    path: '/v1.0/users/{id}/presence/clearUserPreferredPresence',
    kind: 'graph',
    handler: (r) => clearUserPreferredPresence(context, r),
  },
];
