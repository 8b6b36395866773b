import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { PassportCallbackStrategy } from '@pbx/microsoft365/sso/passport-callback.strategy-base';
import { SsoFlowService, type Microsoft365SignIn } from '@pbx/microsoft365/sso/sso-flow.service';
import { type Request } from 'express';

/** Name of the strategy: hosts protect their own callback routes with `AuthGuard('microsoft365')`. */
export const MICROSOFT365_STRATEGY = 'microsoft365';

/** Name of the HttpOnly cookie that binds a sign-in to the browser that started it. */
export const SSO_BROWSER_COOKIE = 'm365_sso_browser';

/**
 * "Sign in with Microsoft" as a passport strategy. On the callback it validates everything (state bound to the
 * browser, code redemption with PKCE, ID token, PBX account, sign-in rules) and puts a {@link Microsoft365SignIn}
 * on `request.user`; any failure is an `SsoError` with a code, never a session.
 */
@Injectable()
export class Microsoft365Strategy extends PassportStrategy(PassportCallbackStrategy, MICROSOFT365_STRATEGY) {
  constructor(private readonly flow: SsoFlowService) {
    super();
  }

  validate(request: Request): Promise<Microsoft365SignIn> {
    // form_post puts the answer in the body; a query answer is accepted too (some proxies turn POST into GET).
    const source = {
      ...(request.query as Record<string, unknown>),
      ...((request.body ?? {}) as Record<string, unknown>),
    };
    return this.flow.complete({
      state: field(source, 'state'),
      code: field(source, 'code'),
      error: field(source, 'error'),
      errorDescription: field(source, 'error_description'),
      browserKey: readCookie(request, SSO_BROWSER_COOKIE),
    });
  }
}

function field(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
