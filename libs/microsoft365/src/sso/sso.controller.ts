import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { randomToken } from '@pbx/microsoft365/sso/pkce';
import {
  MICROSOFT365_STRATEGY,
  SSO_BROWSER_COOKIE,
  readCookie,
} from '@pbx/microsoft365/sso/microsoft365.strategy';
import { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';
import { SsoErrorFilter } from '@pbx/microsoft365/sso/sso-error.filter';
import { SsoFlowService, type Microsoft365SignIn } from '@pbx/microsoft365/sso/sso-flow.service';
import { type Request, type Response } from 'express';

/** The browser key cookie outlives a slow sign-in page, nothing more. */
const BROWSER_COOKIE_MAX_AGE_S = 15 * 60;

export class SsoDiscoveryView {
  @ApiProperty() enabled!: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) loginUrl!: string | null;
}

export class AppTokenView {
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
export class SsoController {
  constructor(private readonly flow: SsoFlowService) {}

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
  async login(
    @Req() request: Request,
    @Res() response: Response,
    @Query() query: Record<string, unknown>,
  ): Promise<void> {
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    // One key per browser, reused across tabs; only its hash is stored with each sign-in.
    const browserKey = readCookie(request, SSO_BROWSER_COOKIE) ?? randomToken();
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
      origin: `${request.protocol}://${request.get('host') ?? ''}`,
    });
    // SameSite=None: Entra's form_post is a cross-site POST, which would not carry a Lax cookie.
    response.cookie(SSO_BROWSER_COOKIE, browserKey, {
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      path: this.flow.basePath(),
      maxAge: BROWSER_COOKIE_MAX_AGE_S * 1000,
    });
    response.setHeader('Cache-Control', 'no-store');
    response.redirect(302, url);
  }

  @Post('callback')
  @UseGuards(AuthGuard(MICROSOFT365_STRATEGY))
  @ApiOperation({ summary: 'Where Microsoft sends the browser back (form_post); paste this URL into Entra' })
  async callbackPost(@Req() request: Request & { user: Microsoft365SignIn }, @Res() response: Response) {
    await this.finish(request.user, response);
  }

  @Get('callback')
  @UseGuards(AuthGuard(MICROSOFT365_STRATEGY))
  @ApiOperation({ summary: 'The same callback for query responses' })
  async callbackGet(@Req() request: Request & { user: Microsoft365SignIn }, @Res() response: Response) {
    await this.finish(request.user, response);
  }

  @Post('app/token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The app exchanges its one-time code and PKCE verifier for a PBX session',
    description: 'Body (JSON or form): `code`, `code_verifier`. A code works once, for two minutes.',
  })
  @ApiOkResponse({ type: AppTokenView })
  async appToken(@Body() body: Record<string, unknown>): Promise<AppTokenView> {
    const code = body?.['code'];
    const verifier = body?.['code_verifier'];
    if (typeof code !== 'string' || typeof verifier !== 'string') {
      throw new SsoError(SsoErrorCode.InvalidAppCode, 'code or code_verifier missing');
    }
    const session = await this.flow.exchangeAppCode(code, verifier);
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      scope: session.scope,
      role: session.role,
    };
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

  private async finish(signIn: Microsoft365SignIn, response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    // The fragment holds the session for the portal: keep it out of Referer headers of the next page.
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (signIn.client === 'app') {
      response.redirect(302, await this.flow.appRedirect(signIn));
      return;
    }
    response.redirect(302, this.flow.portalRedirect(await this.flow.issueSession(signIn)));
  }
}
