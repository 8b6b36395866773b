import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  HttpRedirectResponse,
  HttpStatus,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limits/rate-limit.guard';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HttpResponder } from '../common/http-responder';
import { BrowserKeyCookie, type RequestWithHeaders } from './browser-key.cookie';
import { MICROSOFT365_STRATEGY } from './microsoft365-strategy.name';
import { SsoError, SsoErrorCode } from './sso-error';
import { SsoErrorFilter } from './sso-error.filter';
import { adminConsentResult } from './admin-consent-result';
import { renderAdminConsentPage } from './sso-pages';
import { type ExchangedSession, SsoFlowService, type Microsoft365SignIn } from './sso-flow.service';

export class SsoDiscoveryView {
  @ApiProperty() enabled!: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) loginUrl!: string | null;
}

/** The session a one-time code was exchanged for. */
export class SsoTokenView {
  @ApiProperty() token!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ description: 'PBX tenant id, or system' }) scope!: string;
  @ApiProperty({ enum: ['system-admin', 'tenant-admin', 'user'] }) role!: string;
}

/**
 * "Sign in with Microsoft" for the web portal and the mobile app. Browser routes answer pages and redirects; the
 * app's token exchange answers JSON. No route here needs a PBX session, except logout.
 */
@ApiTags('Microsoft 365: single sign-on')
@Controller('microsoft365/sso')
@UseFilters(SsoErrorFilter)
@UseGuards(RateLimitGuard)
export class SsoController {
  constructor(
    private readonly flow: SsoFlowService,
    private readonly http: HttpResponder,
    private readonly browserKeyCookie: BrowserKeyCookie,
  ) {}

  @Get('discovery')
  @ApiOperation({ summary: 'Should the login page show "Sign in with Microsoft" for this SIP domain?' })
  @ApiOkResponse({ type: SsoDiscoveryView })
  discovery(@Query('sipDomain') sipDomain?: string): Promise<SsoDiscoveryView> {
    return this.flow.discover(typeof sipDomain === 'string' ? sipDomain : undefined);
  }

  @Get('login')
  @ApiOperation({
    summary: 'Start signing in: redirects to Microsoft',
    description:
      'Name the tenant by `tenant` (id) or `sipDomain`, or `scope=system` for system administrators. Apps add ' +
      '`client=app`, their registered `redirect_uri` and a PKCE `code_challenge` with `code_challenge_method=S256`.',
  })
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @RateLimit('signIn')
  async login(
    @Req() request: RequestWithHeaders & { protocol?: string; host?: string },
    @Res({ passthrough: true }) response: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<HttpRedirectResponse> {
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    // One key per browser, reused across tabs; only its hash is stored with each sign-in.
    const { browserKey, setCookie } = this.browserKeyCookie.issue(request);
    const url = await this.flow.start({
      tenant: text('tenant'),
      sipDomain: text('sipDomain'),
      scope: text('scope'),
      client: text('client'),
      redirectUri: text('redirect_uri'),
      codeChallenge: text('code_challenge'),
      codeChallengeMethod: text('code_challenge_method'),
      loginHint: text('login_hint'),
      browserKey,
      origin: requestOrigin(request),
    });
    this.http.appendHeader(response, 'Set-Cookie', setCookie);
    return { url, statusCode: HttpStatus.FOUND };
  }

  @Post('callback')
  // Only failed callbacks count (rate-limits/failed-requests.limiter.ts): a success needed a state from a login,
  // which is limited, and costs no statement here.
  @RateLimit('signInFailures')
  @UseGuards(AuthGuard(MICROSOFT365_STRATEGY))
  @Redirect()
  @Header('Cache-Control', 'no-store')
  // The fragment holds a one-time code for the portal: keep it out of Referer headers of the next page.
  @Header('Referrer-Policy', 'no-referrer')
  @ApiOperation({ summary: 'Where Microsoft sends the browser back (form_post); paste this URL into Entra' })
  callback(@Req() request: { user: Microsoft365SignIn }): HttpRedirectResponse {
    return { url: this.flow.codeRedirect(request.user), statusCode: HttpStatus.FOUND };
  }

  @Get('callback')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Where the admin consent link brings the admin back; a sign-in by GET is refused (form_post only)',
  })
  callbackGet(@Res() response: unknown, @Query() query: Record<string, unknown>): void {
    const consent = adminConsentResult(query);
    // Nothing is read nor used up: a code in a query string has been seen by logs and proxies already.
    if (!consent) throw new SsoError(SsoErrorCode.InvalidRequest, 'callback by GET refused (form_post only)');
    this.http.html(response, 200, renderAdminConsentPage(consent));
  }

  @Post('token')
  @RateLimit('codeExchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The portal exchanges its one-time code for a PBX session, from the browser that signed in',
    description:
      'Body (JSON or form): `code` (from the portal URL’s `#sso_code=`). Needs the sign-in cookie of the browser ' +
      'that started the sign-in. A code works once, for two minutes.',
  })
  @ApiOkResponse({ type: SsoTokenView })
  async webToken(
    @Req() request: RequestWithHeaders,
    @Body() body: Record<string, unknown>,
  ): Promise<SsoTokenView> {
    const code = body?.['code'];
    if (typeof code !== 'string') throw new SsoError(SsoErrorCode.InvalidCode, 'code missing');
    const browserKey = this.browserKeyCookie.read(request);
    return toTokenView(await this.flow.exchangeCode(code, { client: 'web', browserKey }));
  }

  @Post('app/token')
  @RateLimit('codeExchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The app exchanges its one-time code and PKCE verifier for a PBX session',
    description: 'Body (JSON or form): `code`, `code_verifier`. A code works once, for two minutes.',
  })
  @ApiOkResponse({ type: SsoTokenView })
  async appToken(@Body() body: Record<string, unknown>): Promise<SsoTokenView> {
    const code = body?.['code'];
    const verifier = body?.['code_verifier'];
    if (typeof code !== 'string' || typeof verifier !== 'string') {
      throw new SsoError(SsoErrorCode.InvalidAppCode, 'code or code_verifier missing');
    }
    return toTokenView(await this.flow.exchangeCode(code, { client: 'app', verifier }));
  }

  @Post('logout')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End the PBX session (Bearer token); answers Entra’s logout URL to sign out of Microsoft too',
  })
  logout(
    @Headers('authorization') authorization: string | undefined,
    @Query('tenant') tenant?: string,
  ): Promise<{ microsoftLogoutUrl: string | null }> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    return this.flow.logout(token, typeof tenant === 'string' ? tenant : undefined);
  }
}

function toTokenView(session: ExchangedSession): SsoTokenView {
  return {
    token: session.token,
    expiresAt: session.expiresAt.toISOString(),
    scope: session.scope,
    role: session.role,
  };
}

/**
 * Where the browser reached the PBX, to pick the matching redirect URI (the public URL or the SBC's). Express 5 and
 * Fastify 5 both give `protocol` and `host` (with the port), honouring their own trust-proxy settings.
 */
function requestOrigin(request: RequestWithHeaders & { protocol?: string; host?: string }): string {
  const host = request.host ?? (typeof request.headers['host'] === 'string' ? request.headers['host'] : '');
  return `${request.protocol ?? 'http'}://${host}`;
}
