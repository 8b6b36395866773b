import { parse, serialize } from 'cookie';

/** Name of the HttpOnly cookie that binds a sign-in to the browser that started it. */
export const SSO_BROWSER_COOKIE = 'm365_sso_browser';

/** The browser key cookie outlives a slow sign-in page, nothing more. */
const BROWSER_COOKIE_MAX_AGE_S = 15 * 60;

/** The request as Express and Fastify both give it: raw headers, no cookie parser assumed. */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

export function readBrowserKey(request: RequestWithHeaders): string | undefined {
  const header = request.headers['cookie'];
  if (typeof header !== 'string') return undefined;
  return parse(header)[SSO_BROWSER_COOKIE] || undefined;
}

/**
 * The `Set-Cookie` value for a browser key, limited to the sign-in routes. SameSite=None: Entra's `form_post` is a
 * cross-site POST, which would not carry a Lax cookie (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code).
 */
export function browserKeyCookie(browserKey: string, path: string): string {
  return serialize(SSO_BROWSER_COOKIE, browserKey, {
    httpOnly: true,
    secure: true,
    sameSite: 'none',
    path,
    maxAge: BROWSER_COOKIE_MAX_AGE_S,
  });
}
