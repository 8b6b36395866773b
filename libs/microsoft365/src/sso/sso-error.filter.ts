import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { HttpResponder } from '../common/http-responder';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { FailedRequestsLimiter } from '../rate-limits/failed-requests.limiter';
import { SsoError, SsoErrorCode } from './sso-error';
import { renderSsoErrorPage } from './sso-pages';
import { ssoPortalUrl } from './sso-settings.service';
import { randomUUID } from 'node:crypto';

/**
 * The filter of the sign-in routes (never global). A refused sign-in answers a page with its code (browsers), a
 * redirect with `error=` (apps, once their redirect URI is known to be registered) or JSON (API calls); never a
 * 500 with internals, never a token in the log.
 */
@Catch()
@Injectable()
export class SsoErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(SsoErrorFilter.name);

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    private readonly http: HttpResponder,
    private readonly failures: FailedRequestsLimiter,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    const response = host.switchToHttp().getResponse<unknown>();
    this.http.setHeader(response, 'Cache-Control', 'no-store');
    if (exception instanceof Microsoft365Exception && exception.code === Microsoft365ErrorCode.RateLimited) {
      // The module's one shape for 429, whatever the client: a flood is no browser to show a page to.
      new Microsoft365ExceptionFilter(this.http).catch(exception, host);
      return;
    }
    // A failed callback counts against `signInFailures` (only routes limited that way are counted), before it is
    // answered: the client's next callback already finds it counted. The count never rejects (it logs).
    const counting = this.failures.recordFailure(request);
    if (!counting) {
      this.answer(exception, request, response);
      return;
    }
    void counting
      .then(() => this.answer(exception, request, response))
      .catch((error: unknown) =>
        this.logger.error(
          `A refused sign-in could not be answered: ${error instanceof Error ? error.name : 'unknown'}`,
        ),
      );
  }

  private answer(exception: unknown, request: { headers: Record<string, unknown> }, response: unknown): void {
    if (exception instanceof HttpException && !(exception instanceof SsoError)) {
      const body = exception.getResponse();
      this.http.json(response, exception.getStatus(), typeof body === 'string' ? { message: body } : body);
      return;
    }
    const error = this.toSsoError(exception);
    if (error.appRedirect) {
      const query = new URLSearchParams({ error: error.code, error_description: error.message });
      this.http.redirect(
        response,
        `${error.appRedirect}${error.appRedirect.includes('?') ? '&' : '?'}${query.toString()}`,
      );
      return;
    }
    if (this.wantsJson(request)) {
      this.http.json(response, error.status, {
        statusCode: error.status,
        code: error.code,
        message: error.message,
      });
      return;
    }
    this.http.html(
      response,
      error.status,
      renderSsoErrorPage({ code: error.code, message: error.message, portalUrl: ssoPortalUrl(this.options) }),
    );
  }

  private wantsJson(request: { headers: Record<string, unknown> }): boolean {
    if (
      this.http.requestMethod(request) === 'POST' &&
      /\/sso\/(app\/token|token|logout)$/.test(this.http.requestPath(request))
    ) {
      return true;
    }
    const accept = typeof request.headers['accept'] === 'string' ? request.headers['accept'] : '';
    return accept.includes('application/json') && !accept.includes('text/html');
  }

  private toSsoError(exception: unknown): SsoError {
    if (exception instanceof SsoError) return exception;
    if (
      exception instanceof Microsoft365Exception &&
      (exception.code === Microsoft365ErrorCode.NotConfigured ||
        exception.code === Microsoft365ErrorCode.Disabled)
    ) {
      return new SsoError(SsoErrorCode.NotConfigured, exception.message);
    }
    const reference = randomUUID();
    this.logger.error(
      `Unexpected ${exception instanceof Error ? exception.name : typeof exception} during sign-in (reference ${reference})`,
    );
    return new SsoError(SsoErrorCode.Unavailable, `reference ${reference}`);
  }
}
