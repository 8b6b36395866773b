import { type INestApplication } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MICROSOFT365_REQUEST_BODY_LIMIT } from '@pbx/microsoft365';
import responseTime from 'response-time';

export const API_DOCS_PATH = 'api/docs';
/** The OpenAPI document as JSON: where Swagger tools look for it (`<docs>-json`), and where earlier builds had it. */
export const API_DOCS_JSON_PATHS = [`${API_DOCS_PATH}-json`, `${API_DOCS_PATH}/json`];

/** HTTP set-up shared by main.ts and the tests, so that the tests exercise what production serves. */
export function configureHttpApp(
  app: INestApplication,
  options: { swagger: boolean; serverTiming?: boolean },
): void {
  if (options.serverTiming) {
    // First, so that the time covers body parsing and every guard; measured up to the response headers, which is
    // when the header must be set (https://www.w3.org/TR/server-timing/).
    app.use(
      responseTime((_request, response, ms) => {
        response.setHeader('Server-Timing', `app;dur=${ms.toFixed(2)}`);
      }),
    );
  }
  // Behind a reverse proxy / SBC, the client address and protocol come from X-Forwarded-*.
  const httpAdapter = app.getHttpAdapter().getInstance() as { set?: (key: string, value: unknown) => void };
  httpAdapter.set?.('trust proxy', 'loopback, linklocal, uniquelocal');
  // The Microsoft 365 routes read up to 10,000 selected users in one body; Express's default (100 KB) is too small.
  (app as NestExpressApplication).useBodyParser('json', { limit: MICROSOFT365_REQUEST_BODY_LIMIT });
  if (options.swagger) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Reference host PBX')
        .setDescription(
          'Tenants, users with extensions, contacts, presence and sessions of the reference PBX that mounts the ' +
            'Microsoft 365 module. Sign in with POST /api/auth/login and send the token as a Bearer token. ' +
            `The document as JSON: /${API_DOCS_JSON_PATHS.join(' or /')}.`,
        )
        .setVersion('1.0')
        // The host's session tokens are opaque (not JWTs): the scheme says only "bearer".
        .addSecurity('bearer', {
          type: 'http',
          scheme: 'bearer',
          description: 'The token from POST /api/auth/login',
        })
        .build(),
    );
    SwaggerModule.setup(API_DOCS_PATH, app, document, { jsonDocumentUrl: API_DOCS_JSON_PATHS[0] });
    // Also where earlier builds served it; same document.
    const adapter = app.getHttpAdapter();
    adapter.get(`/${API_DOCS_JSON_PATHS[1]}`, (_request: unknown, response: unknown) => {
      adapter.reply(response, document, 200);
    });
  }
}
