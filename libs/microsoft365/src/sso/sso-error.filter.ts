import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';
import { renderSsoErrorPage } from '@pbx/microsoft365/sso/sso-pages';
import { ssoPortalUrl } from '@pbx/microsoft365/sso/sso-settings.service';
import { type Request, type Response } from 'express';
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

  constructor(@Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    response.setHeader('Cache-Control', 'no-store');
    if (exception instanceof HttpException && !(exception instanceof SsoError)) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const error = this.toSsoError(exception);
    if (error.appRedirect) {
      const query = new URLSearchParams({ error: error.code, error_description: error.message });
      response.redirect(
        302,
        `${error.appRedirect}${error.appRedirect.includes('?') ? '&' : '?'}${query.toString()}`,
      );
      return;
    }
    if (wantsJson(request)) {
      response
        .status(error.status)
        .json({ statusCode: error.status, code: error.code, message: error.message });
      return;
    }
    response
      .status(error.status)
      .type('html')
      .send(
        renderSsoErrorPage({
          code: error.code,
          message: error.message,
          portalUrl: ssoPortalUrl(this.options),
        }),
      );
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

function wantsJson(request: Request): boolean {
  if (request.method === 'POST' && /\/sso\/(app\/token|logout)$/.test(request.path)) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
