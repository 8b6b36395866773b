import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Writes what route decorators cannot express (a cookie, a status chosen at run time, an answer from an exception
 * filter) through Nest's HTTP adapter, so the module runs on `@nestjs/platform-express` and
 * `@nestjs/platform-fastify` alike. Requests and responses stay opaque here: nothing in the module knows which
 * platform the host chose.
 */
@Injectable()
export class HttpResponder {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  private get adapter() {
    return this.adapterHost.httpAdapter;
  }

  setHeader(response: unknown, name: string, value: string): void {
    this.adapter.setHeader(response, name, value);
  }

  /** Adds a header line without replacing an earlier one (`Set-Cookie`). */
  appendHeader(response: unknown, name: string, value: string): void {
    this.adapter.appendHeader(response, name, value);
  }

  status(response: unknown, status: number): void {
    this.adapter.status(response, status);
  }

  json(response: unknown, status: number, body: object): void {
    // Set explicitly: a route's own @Header('Content-Type') was applied before its handler threw. Exactly this
    // value: Fastify's adapter warns about any other (Express adds the charset itself).
    this.adapter.setHeader(response, 'Content-Type', 'application/json');
    this.adapter.reply(response, body, status);
  }

  html(response: unknown, status: number, page: string): void {
    this.adapter.setHeader(response, 'Content-Type', 'text/html; charset=utf-8');
    this.adapter.reply(response, page, status);
  }

  redirect(response: unknown, url: string, status = 302): void {
    this.adapter.redirect(response, status, url);
  }

  /** The request's path without its query, as the client sent it (before any router prefix was taken off). */
  requestPath(request: unknown): string {
    const url = String(this.adapter.getRequestUrl(request) ?? '');
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }

  requestMethod(request: unknown): string {
    return String(this.adapter.getRequestMethod(request) ?? '').toUpperCase();
  }
}
