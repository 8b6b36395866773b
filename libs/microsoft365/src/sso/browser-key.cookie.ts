import { Inject, Injectable } from '@nestjs/common';
import { parse, serialize } from 'cookie';
import { SecretBox } from '../keys/secret-box.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { randomToken } from './pkce';
import { ssoBasePath } from './sso-settings.service';
import { timingSafeEqual } from 'node:crypto';

/** Name of the HttpOnly cookie that binds a sign-in to the browser that started it. */
export const SSO_BROWSER_COOKIE = 'm365_sso_browser';
/**
 * `__Host-`: the browser accepts it only from a secure origin, with Path=/ and no Domain, so a sibling subdomain
 * cannot plant one (cookie tossing). https://developer.mozilla.org/docs/Web/HTTP/Cookies#cookie_prefixes
 */
const HOST_PREFIX = '__Host-';

/** The browser key cookie outlives a slow sign-in page, nothing more. */
const BROWSER_COOKIE_MAX_AGE_S = 15 * 60;
const MAC_PURPOSE = 'm365-sso-browser-key';

/** The request as Express and Fastify both give it: raw headers, no cookie parser assumed. */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The browser-binding cookie: a random key signed with a key derived from the master key. Only values this server
 * issued are accepted, so a client (or a script that can write cookies on a sibling domain) cannot choose it.
 */
@Injectable()
export class BrowserKeyCookie {
  /** `__Host-` needs a secure origin: https, or a loopback name, which browsers treat as secure too. */
  readonly name: string;
  private readonly path: string;

  constructor(
    private readonly secretBox: SecretBox,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    const url = new URL(options.publicUrl);
    const secure = url.protocol === 'https:' || url.hostname === 'localhost';
    this.name = secure ? `${HOST_PREFIX}${SSO_BROWSER_COOKIE}` : SSO_BROWSER_COOKIE;
    this.path = secure ? '/' : ssoBasePath(options);
  }

  /** The browser key, if the request carries one this server signed; undefined otherwise. */
  read(request: RequestWithHeaders): string | undefined {
    const header = request.headers['cookie'];
    if (typeof header !== 'string') return undefined;
    const value = parse(header)[this.name];
    const dot = value?.lastIndexOf('.') ?? -1;
    if (!value || dot <= 0) return undefined;
    const key = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const wanted = this.secretBox.mac(MAC_PURPOSE, key);
    return given.length === wanted.length && timingSafeEqual(given, wanted) ? key : undefined;
  }

  /** The browser's key (kept when it has a valid one, so tabs share it) and the `Set-Cookie` value to send. */
  issue(request: RequestWithHeaders): { browserKey: string; setCookie: string } {
    const browserKey = this.read(request) ?? randomToken();
    const signed = `${browserKey}.${this.secretBox.mac(MAC_PURPOSE, browserKey).toString('base64url')}`;
    // SameSite=None: Entra's `form_post` is a cross-site POST, which would not carry a Lax cookie
    // (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code).
    const setCookie = serialize(this.name, signed, {
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      path: this.path,
      maxAge: BROWSER_COOKIE_MAX_AGE_S,
    });
    return { browserKey, setCookie };
  }
}
