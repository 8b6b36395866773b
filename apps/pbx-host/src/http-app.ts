import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const API_DOCS_PATH = 'api/docs';

/** HTTP set-up shared by main.ts and the tests, so that the tests exercise what production serves. */
export function configureHttpApp(app: INestApplication, options: { swagger: boolean }): void {
  // Behind a reverse proxy / SBC, the client address and protocol come from X-Forwarded-*.
  const httpAdapter = app.getHttpAdapter().getInstance() as { set?: (key: string, value: unknown) => void };
  httpAdapter.set?.('trust proxy', 'loopback, linklocal, uniquelocal');
  if (options.swagger) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Reference host PBX')
        .setDescription(
          'Tenants, users with extensions, contacts, presence and sessions of the reference PBX that mounts the ' +
            'Microsoft 365 module. Sign in with POST /api/auth/login and send the token as a Bearer token.',
        )
        .setVersion('1.0')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup(API_DOCS_PATH, app, document, { jsonDocumentUrl: `${API_DOCS_PATH}/json` });
  }
}
