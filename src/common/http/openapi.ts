import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the platform's OpenAPI document at /api/docs-json and Swagger UI at /api/docs. */
export function openApiSetup(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('Cairn platform API')
    .setDescription('Accounts, workspaces, members, API keys and health.')
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access token or a workspace API key.' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
}
