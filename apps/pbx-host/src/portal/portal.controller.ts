import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PORTAL_PAGE, PORTAL_SCRIPT } from './portal.page';

/** Serves the minimal portal page; the script is a file of its own so the page can forbid inline scripts. */
@ApiExcludeController()
@Controller()
export class PortalController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @Header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  )
  page(): string {
    return PORTAL_PAGE;
  }

  @Get('portal.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return PORTAL_SCRIPT;
  }
}
