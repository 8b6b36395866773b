import { Body, Controller, Get, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { type Response } from 'express';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { type Actor } from './actor';
import { AuthService } from './auth.service';
import { LoginLockedException } from './login-lockout.service';
import { Authenticated } from './authenticated.decorator';
import { CurrentActor } from './current-actor.decorator';
import { LoginDto } from './dto/login.dto';
import { LoginResponse, MeResponse } from './dto/session.response';
import { SessionsService } from './sessions.service';
import { ApiValidationResponse } from '../common/api-responses.decorator';
import { ErrorResponse } from '../common/error.response';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign in with a password',
    description: 'Tenant users give their tenant’s SIP domain; system admins leave it out.',
  })
  @ApiOkResponse({ type: LoginResponse })
  @ApiValidationResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Wrong credentials, or the user is disabled' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'Too many failed sign-ins for this name: locked with back-off (Retry-After)',
  })
  async login(
    @Body() body: LoginDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponse> {
    try {
      return await this.auth.login(body);
    } catch (error) {
      if (error instanceof LoginLockedException)
        response.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: 'End this session' })
  @ApiNoContentResponse()
  async logout(@CurrentActor() actor: Actor): Promise<void> {
    await this.sessions.revokeById(actor.sessionId);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The signed-in user and session' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.auth.me(actor);
  }
}
