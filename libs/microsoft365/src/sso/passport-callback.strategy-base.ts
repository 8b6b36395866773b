import { Strategy } from 'passport';
import { type RequestWithHeaders } from './browser-key.cookie';

/** The callback request as Express and Fastify both give it (their body parsers fill `body` for form posts). */
export interface CallbackRequest extends RequestWithHeaders {
  query?: unknown;
  body?: unknown;
}

type Verify = (request: CallbackRequest, done: (error: unknown, user?: unknown) => void) => void;

/**
 * A minimal passport strategy for an OpenID callback: it hands the whole request to the verify callback, which
 * `@nestjs/passport` wires to the strategy's `validate`. Redirecting to Entra is not passport's job here: the
 * login route builds the authorization URL itself, because it needs the tenant, the client and PKCE.
 */
export class PassportCallbackStrategy extends Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: CallbackRequest): void {
    this.verify(request, (error, user) => {
      if (error) return this.error(error);
      if (!user) return this.fail(401);
      this.success(user);
    });
  }
}
