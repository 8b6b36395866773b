import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { isMultiTenantSegment, tenantNotFound } from './login-tenant.resolver';
import { readCookie, SESSION_COOKIE } from './authorize.routes';
import { renderErrorPage, renderSignedOutPage } from './sign-in.page';
import { readForm, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { htmlResponse, redirectResponse, type EmulatorResponse } from '../http/emulator-response';

const CLEAR_COOKIE = `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`;

/** post_logout_redirect_uri must be registered on the app (client_id given) or on any app of the tenant (§11). */
function isRegistered(
  context: EmulatorContext,
  segment: string,
  clientId: string | null,
  uri: string,
): boolean {
  const tenants = isMultiTenantSegment(segment) ? context.tenants.all() : [context.tenants.resolve(segment)];
  return tenants.some((tenant) =>
    [...(tenant?.apps.values() ?? [])].some(
      (app) => (clientId === null || app.clientId === clientId.toLowerCase()) && app.redirectUris.has(uri),
    ),
  );
}

function logout(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  if (!isMultiTenantSegment(segment) && !context.tenants.resolve(segment)) {
    const error = tenantNotFound(segment);
    return htmlResponse(400, renderErrorPage(`AADSTS${error.code}`, error.description, request.requestId));
  }
  const params = request.method === 'POST' ? readForm(request) : request.url.searchParams;
  context.signIns.closeSession(readCookie(request, SESSION_COOKIE));
  const target = params.get('post_logout_redirect_uri');
  if (!target) return htmlResponse(200, renderSignedOutPage(), { 'set-cookie': CLEAR_COOKIE });
  if (!isRegistered(context, segment, params.get('client_id'), target)) {
    return htmlResponse(
      400,
      renderErrorPage(
        'AADSTS50011',
        `The post logout redirect URI '${target}' is not registered for the application.`,
        request.requestId,
      ),
      { 'set-cookie': CLEAR_COOKIE },
    );
  }
  const state = params.get('state');
  const location =
    state === null
      ? target
      : `${target}${target.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}`;
  return redirectResponse(location, { 'set-cookie': CLEAR_COOKIE });
}

export const logoutRoutes: RouteFamily = (context) => [
  {
    method: 'GET',
    path: '/{tenant}/oauth2/v2.0/logout',
    kind: 'login',
    handler: (request) => logout(context, request),
  },
  {
    method: 'POST',
    path: '/{tenant}/oauth2/v2.0/logout',
    kind: 'login',
    handler: (request) => logout(context, request),
  },
];
