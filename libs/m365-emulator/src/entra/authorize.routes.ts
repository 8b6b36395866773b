import { randomUUID } from 'node:crypto';
import { entraTimestamp, MINUTE_MS } from '../core/time.format';
import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { appNotFound, findApp, isMultiTenantSegment, tenantNotFound } from './login-tenant.resolver';
import type { PendingAuthorization } from './sign-in-session.store';
import { AadstsError } from './aadsts.error';
import { renderErrorPage, renderFormPost, renderSignInPage } from './sign-in.page';
import { readForm, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { htmlResponse, redirectResponse, type EmulatorResponse } from '../http/emulator-response';
import type { DirectoryUser } from '../state/directory-user';
import type { TenantState } from '../state/tenant.state';

export const SESSION_COOKIE = 'ESTSAUTH';
const CODE_LIFETIME_MS = 10 * MINUTE_MS;

export function readCookie(request: EmulatorRequest, name: string): string | undefined {
  for (const part of (request.headers['cookie'] ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function errorPage(request: EmulatorRequest, error: AadstsError): EmulatorResponse {
  return htmlResponse(
    400,
    renderErrorPage(`AADSTS${error.code}`, error.description, request.clientRequestId ?? request.requestId),
  );
}

/** Answers the client at its redirect URI: query, fragment or an auto-submitting form_post (§11). */
function respondToClient(
  pending: PendingAuthorization,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): EmulatorResponse {
  const all = pending.state === undefined ? fields : { ...fields, state: pending.state };
  if (pending.responseMode === 'form_post')
    return htmlResponse(200, renderFormPost(pending.redirectUri, all), headers);
  const encoded = new URLSearchParams(all).toString();
  if (pending.responseMode === 'fragment')
    return redirectResponse(`${pending.redirectUri}#${encoded}`, headers);
  const separator = pending.redirectUri.includes('?') ? '&' : '?';
  return redirectResponse(`${pending.redirectUri}${separator}${encoded}`, headers);
}

function errorToClient(
  context: EmulatorContext,
  request: EmulatorRequest,
  pending: PendingAuthorization,
  error: string,
  code: number,
  description: string,
): EmulatorResponse {
  const timestamp = entraTimestamp(context.clock.now());
  return respondToClient(pending, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${request.requestId}\r\nCorrelation ID: ${request.clientRequestId ?? request.requestId}\r\nTimestamp: ${timestamp}`,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function issueCode(
  context: EmulatorContext,
  pending: PendingAuthorization,
  tenant: TenantState,
  user: DirectoryUser,
  sessionId: string,
): EmulatorResponse {
  const now = context.clock.now();
  const code = context.codes.issue(
    {
      tenantId: tenant.id,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      userId: user.id,
      scopes: pending.scopes,
      nonce: pending.nonce,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      sessionId,
      expiresAt: now + CODE_LIFETIME_MS,
      redeemed: false,
    },
    now,
  );
  context.signIns.completePending(pending.id);
  return respondToClient(
    pending,
    { code, session_state: sessionId },
    { 'set-cookie': `${SESSION_COOKIE}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=None` },
  );
}

function authorizeParams(request: EmulatorRequest): URLSearchParams {
  return request.method === 'POST' ? readForm(request) : request.url.searchParams;
}

function authorize(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  const params = authorizeParams(request);
  const clientId = params.get('client_id');
  try {
    if (!isMultiTenantSegment(segment) && !context.tenants.resolve(segment)) throw tenantNotFound(segment);
    if (!clientId)
      throw new AadstsError(
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    const found = findApp(context.tenants, segment, clientId);
    if (!found) throw appNotFound(clientId, segment);
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!found.app.redirectUris.has(redirectUri)) {
      throw new AadstsError(
        'invalid_request',
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${found.app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
      );
    }
    return continueAuthorize(context, request, segment, params, found.app.displayName, redirectUri);
  } catch (error) {
    if (error instanceof AadstsError) return errorPage(request, error);
    throw error;
  }
}

function continueAuthorize(
  context: EmulatorContext,
  request: EmulatorRequest,
  segment: string,
  params: URLSearchParams,
  appName: string,
  redirectUri: string,
): EmulatorResponse {
  const responseModeParam = params.get('response_mode') ?? 'query';
  const responseMode =
    responseModeParam === 'form_post' || responseModeParam === 'fragment' ? responseModeParam : 'query';
  const challengeMethodParam = params.get('code_challenge_method') ?? undefined;
  const codeChallenge = params.get('code_challenge') ?? undefined;
  const pending = context.signIns.startPending({
    tenantSegment: segment,
    clientId: params.get('client_id') ?? '',
    redirectUri,
    responseMode,
    scopes: (params.get('scope') ?? '').split(/\s+/).filter((scope) => scope !== ''),
    state: params.get('state') ?? undefined,
    nonce: params.get('nonce') ?? undefined,
    codeChallenge,
    codeChallengeMethod:
      codeChallenge === undefined ? undefined : challengeMethodParam === 'S256' ? 'S256' : 'plain',
    loginHint: params.get('login_hint') ?? undefined,
    createdAt: context.clock.now(),
  });
  const responseType = params.get('response_type') ?? '';
  if (responseType !== 'code') {
    if (responseType.split(' ').includes('id_token') || responseType.split(' ').includes('token')) {
      return errorToClient(
        context,
        request,
        pending,
        'unsupported_response_type',
        700054,
        `response_type '${responseType}' is not enabled for the application.`,
      );
    }
    return errorToClient(
      context,
      request,
      pending,
      'unsupported_response_type',
      700054,
      `The provided value for the input parameter 'response_type' is not allowed for this client. Expected value is 'code'.`,
    );
  }
  if (pending.scopes.length === 0) {
    return errorToClient(
      context,
      request,
      pending,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  }
  if (
    challengeMethodParam !== undefined &&
    challengeMethodParam !== 'S256' &&
    challengeMethodParam !== 'plain'
  ) {
    return errorToClient(
      context,
      request,
      pending,
      'invalid_request',
      50149,
      'Invalid Code_Challenge_method parameter.',
    );
  }
  if (codeChallenge !== undefined && (codeChallenge.length < 43 || codeChallenge.length > 128)) {
    return errorToClient(
      context,
      request,
      pending,
      'invalid_request',
      501491,
      'Invalid size of Code_Challenge parameter.',
    );
  }
  const prompt = params.get('prompt') ?? undefined;
  const session = context.signIns.findSession(readCookie(request, SESSION_COOKIE));
  const sessionTenant = session ? context.tenants.resolve(session.tenantId) : undefined;
  const sessionUser = session ? sessionTenant?.users.find(session.userId) : undefined;
  const sessionUsable =
    session !== undefined &&
    sessionTenant !== undefined &&
    sessionUser?.fields.accountEnabled === true &&
    (isMultiTenantSegment(segment) || context.tenants.resolve(segment) === sessionTenant);
  if (prompt === 'none') {
    if (!sessionUsable || !session || !sessionTenant || !sessionUser) {
      return errorToClient(
        context,
        request,
        pending,
        'login_required',
        50058,
        'A silent sign-in request was sent but no user is signed in.',
      );
    }
    return issueCode(context, pending, sessionTenant, sessionUser, session.id);
  }
  if (
    sessionUsable &&
    session &&
    sessionTenant &&
    sessionUser &&
    prompt !== 'login' &&
    prompt !== 'select_account'
  ) {
    return issueCode(context, pending, sessionTenant, sessionUser, session.id);
  }
  return htmlResponse(
    200,
    renderSignInPage({
      action: `/${encodeURIComponent(segment)}/login`,
      transactionId: pending.id,
      username: pending.loginHint ?? '',
      appName,
      tenantName: segment,
    }),
  );
}

function findUser(
  context: EmulatorContext,
  segment: string,
  username: string,
): { tenant: TenantState; user: DirectoryUser } | undefined {
  const candidates = isMultiTenantSegment(segment)
    ? context.tenants.all()
    : [context.tenants.resolve(segment)];
  for (const tenant of candidates) {
    const user = tenant?.users.find(username);
    if (tenant && user && user.fields.userPrincipalName.toLowerCase() === username.toLowerCase())
      return { tenant, user };
  }
  return undefined;
}

function signIn(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  const form = readForm(request);
  const pending = context.signIns.findPending(form.get('ctx') ?? '', context.clock.now());
  if (!pending) {
    return htmlResponse(
      400,
      renderErrorPage(
        'AADSTS90014',
        'The sign-in transaction has expired or is unknown. Start again from the application.',
        request.requestId,
      ),
    );
  }
  const username = (form.get('loginfmt') ?? '').trim();
  const password = form.get('passwd') ?? '';
  const found = username === '' ? undefined : findUser(context, segment, username);
  const rerender = (code: string, message: string): EmulatorResponse =>
    htmlResponse(
      200,
      renderSignInPage({
        action: `/${encodeURIComponent(segment)}/login`,
        transactionId: pending.id,
        username,
        appName: pending.clientId,
        tenantName: segment,
        errorCode: code,
        errorMessage: `${code}: ${message}`,
      }),
    );
  if (!found) {
    return rerender(
      'AADSTS50034',
      `The user account ${username} does not exist in the ${segment} directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (found.user.password === undefined || found.user.password !== password) {
    return rerender('AADSTS50126', 'Error validating credentials due to invalid username or password.');
  }
  if (!found.user.fields.accountEnabled) {
    return htmlResponse(400, renderErrorPage('AADSTS50057', 'The user account is disabled.', randomUUID()));
  }
  const session = context.signIns.openSession(found.tenant.id, found.user.id);
  return issueCode(context, pending, found.tenant, found.user, session.id);
}

export const authorizeRoutes: RouteFamily = (context) => [
  {
    method: 'GET',
    path: '/{tenant}/oauth2/v2.0/authorize',
    kind: 'login',
    handler: (request) => authorize(context, request),
  },
  {
    method: 'POST',
    path: '/{tenant}/oauth2/v2.0/authorize',
    kind: 'login',
    handler: (request) => authorize(context, request),
  },
  { method: 'POST', path: '/{tenant}/login', kind: 'login', handler: (request) => signIn(context, request) },
];
