import { Body, Controller, Header, HttpCode, Logger, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HttpResponder } from '../common/http-responder';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limits/rate-limit.guard';
import { ServiceAccountService } from './service-account.service';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * Where Entra brings the admin's browser back after signing in Teams presence's service account (form_post, so
 * the code never sits in a URL). No PBX session here: the one-time state proves the sign-in an admin started.
 * Answers a page for the admin; the tokens stay on the server.
 */
@ApiTags('Microsoft 365: Teams presence')
@Controller('microsoft365/teams-presence/service-account')
@UseFilters(Microsoft365ExceptionFilter)
@UseGuards(RateLimitGuard)
@RateLimit('signIn')
export class ServiceAccountCallbackController {
  private readonly logger = new Logger(ServiceAccountCallbackController.name);

  constructor(
    private readonly account: ServiceAccountService,
    private readonly http: HttpResponder,
  ) {}

  @Post('callback')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      "Where Entra sends the browser back after the service account's sign-in (form_post); register it in Entra",
  })
  async callback(@Body() body: Record<string, unknown> | undefined, @Res() response: unknown): Promise<void> {
    try {
      const done = await this.account.completeSignIn({
        state: body?.['state'],
        code: body?.['code'],
        error: body?.['error'],
      });
      this.http.html(
        response,
        200,
        page(
          'Service account signed in',
          `${done.upn} now receives Teams presence changes for the PBX.`,
          'signed-in',
        ),
      );
    } catch (error) {
      const exception = error instanceof Microsoft365Exception ? error : undefined;
      this.logger.warn(`Teams presence service account sign-in refused: ${exception?.code ?? 'INTERNAL'}`);
      this.http.html(
        response,
        exception && exception.code !== Microsoft365ErrorCode.Internal ? 400 : 500,
        page(
          'The service account was not signed in',
          `${exception?.message ?? 'Something went wrong.'} ${exception?.action ?? ''}`,
          exception?.code ?? 'INTERNAL',
        ),
      );
    }
  }
}

function page(title: string, message: string, code: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main id="serviceAccount" data-result="${escapeHtml(code)}"><h1>${escapeHtml(title)}</h1>
<p id="message">${escapeHtml(message.trim())}</p></main></body></html>`;
}
