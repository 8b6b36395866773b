import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BrowserKeyCookie } from './browser-key.cookie';
import { MICROSOFT365_STRATEGY } from './microsoft365-strategy.name';
import { PassportCallbackStrategy, type CallbackRequest } from './passport-callback.strategy-base';
import { SsoFlowService, type Microsoft365SignIn } from './sso-flow.service';

/**
 * "Sign in with Microsoft" as a passport strategy. On the callback it validates everything (state bound to the
 * browser, code redemption with PKCE, ID token, PBX account, sign-in rules) and puts a {@link Microsoft365SignIn}
 * on `request.user`; any failure is an `SsoError` with a code, never a session.
 */
@Injectable()
export class Microsoft365Strategy extends PassportStrategy(PassportCallbackStrategy, MICROSOFT365_STRATEGY) {
  constructor(
    private readonly flow: SsoFlowService,
    private readonly browserKeyCookie: BrowserKeyCookie,
  ) {
    super();
  }

  validate(request: CallbackRequest): Promise<Microsoft365SignIn> {
    // We ask for form_post only: a code in a query string lands in logs, history and Referer headers.
    const source = (request.body ?? {}) as Record<string, unknown>;
    return this.flow.complete({
      state: field(source, 'state'),
      code: field(source, 'code'),
      error: field(source, 'error'),
      errorDescription: field(source, 'error_description'),
      browserKey: this.browserKeyCookie.read(request),
    });
  }
}

function field(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
