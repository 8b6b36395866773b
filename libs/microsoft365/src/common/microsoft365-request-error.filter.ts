import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Injectable } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { HttpResponder } from './http-responder';
import { Microsoft365ExceptionFilter } from './microsoft365-exception.filter';

/**
 * For the host to register as a global filter (`APP_FILTER`, before its own filters). Some requests fail before
 * they reach the module's controllers, and so before their own filter: the host's body parser refuses a malformed
 * or oversized body, or no route matches. Under the module's routes (`<routePrefix>/microsoft365/...`) this answers
 * them in the module's shape; everywhere else it leaves them to Nest's default handling, exactly as without it.
 */
@Catch()
@Injectable()
export class Microsoft365RequestErrorFilter implements ExceptionFilter {
  private readonly routeBase: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly http: HttpResponder,
    private readonly moduleFilter: Microsoft365ExceptionFilter,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    const prefix = (options.routePrefix ?? '').replace(/^\/+|\/+$/g, '');
    this.routeBase = `${prefix ? `/${prefix}` : ''}/microsoft365`;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http' && this.isModuleRoute(host.switchToHttp().getRequest<unknown>())) {
      this.moduleFilter.catch(exception, host);
      return;
    }
    new BaseExceptionFilter(this.adapterHost.httpAdapter).catch(exception, host);
  }

  private isModuleRoute(request: unknown): boolean {
    const path = this.http.requestPath(request);
    return path === this.routeBase || path.startsWith(`${this.routeBase}/`);
  }
}
