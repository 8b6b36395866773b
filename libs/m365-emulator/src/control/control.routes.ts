import type { EmulatorControl } from './emulator.control';
import { ControlError } from './control.error';
import { readJson, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { jsonResponse, textResponse, type EmulatorResponse } from '../http/emulator-response';
import type { RouteDefinition } from '../http/route-definition';

/** Control operations reachable over HTTP; each is an EmulatorControl method taking one JSON object. */
export const CONTROL_OPERATIONS = [
  'createTenant',
  'listTenants',
  'getTenant',
  'registerApp',
  'updateApp',
  'getApp',
  'deleteApp',
  'addCertificate',
  'removeCertificate',
  'grantPermissions',
  'revokePermissions',
  'revokeAppTokens',
  'addUser',
  'updateUser',
  'getUser',
  'listUsers',
  'disableUser',
  'enableUser',
  'moveUserToDepartment',
  'setPassword',
  'revokeSignInSessions',
  'deleteUser',
  'setPhoto',
  'removePhoto',
  'createGroup',
  'updateGroup',
  'deleteGroup',
  'restoreGroup',
  'addGroupMember',
  'removeGroupMember',
  'listSigningKeys',
  'addSigningKey',
  'rotateSigningKey',
  'activateSigningKey',
  'removeSigningKey',
  'getClock',
  'advanceClock',
  'setClock',
  'expireDeltaTokens',
  'getFaults',
  'setFaults',
  'throttleNext',
  'failAfterHandlingNext',
  'clearThrottles',
  'getThrottling',
  'setThrottling',
  'getCounters',
  'resetCounters',
  'seed',
  'createSharedMailbox',
  'setMailboxEnabled',
  'setMailboxAccessPolicy',
  'setMailboxSettings',
  'getMailbox',
  'addContactFolder',
  'renameContactFolder',
  'deleteContactFolder',
  'addContact',
  'updateContact',
  'deleteContact',
  'addEvent',
  'updateEvent',
  'deleteEvent',
  'listSentMail',
  'clearSentMail',
  'listSubscriptions',
  'triggerLifecycleNotification',
  'flushNotifications',
  'setUserPresence',
  'clearUserPresence',
  'getUserPresence',
] as const satisfies readonly (keyof EmulatorControl)[];

export type ControlOperation = (typeof CONTROL_OPERATIONS)[number];

async function invoke(control: EmulatorControl, request: EmulatorRequest): Promise<EmulatorResponse> {
  const name = requireParam(request, 'operation');
  const operation = CONTROL_OPERATIONS.find((candidate) => candidate === name);
  if (!operation) throw ControlError.notFound(`Control operation ${name}`);
  let input: unknown;
  try {
    input =
      request.method === 'GET' ? Object.fromEntries(request.url.searchParams) : (readJson(request) ?? {});
  } catch {
    throw ControlError.invalid('The body must be JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw ControlError.invalid('The body must be a JSON object');
  // Each operation validates its own input; the HTTP layer only guarantees a JSON object.
  const result: unknown = await control[operation](input as never);
  return jsonResponse(200, result ?? {});
}

export function controlRoutes(control: EmulatorControl, caPem: string): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/_emulator/ca.pem',
      kind: 'control',
      handler: () => textResponse(200, caPem, 'application/x-pem-file'),
    },
    {
      method: 'GET',
      path: '/_emulator/health',
      kind: 'control',
      handler: () => jsonResponse(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/_emulator/counters',
      kind: 'control',
      handler: () => jsonResponse(200, control.getCounters()),
    },
    {
      method: 'GET',
      path: '/_emulator/{operation}',
      kind: 'control',
      handler: (request) => invoke(control, request),
    },
    {
      method: 'POST',
      path: '/_emulator/{operation}',
      kind: 'control',
      handler: (request) => invoke(control, request),
    },
  ];
}
