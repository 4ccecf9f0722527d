import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the platform's OpenAPI document at /api/docs-json and Swagger UI at /api/docs. */
export function openApiSetup(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('Cairn platform API')
    .setDescription(
      'Every route of Cairn: accounts, workspaces, members, API keys and health, and the routes of each workspace ' +
        '(`/api/v1/w/{ws}`): schema, items, activity, revisions, app users and their sign-in, roles and policies, ' +
        'webhooks, handlers, flows, files, views and connections. Items are described here for any collection; ' +
        "each workspace's own document, `GET /api/v1/w/{ws}/openapi.json` (Swagger UI at `/api/v1/w/{ws}/docs`), " +
        'details them per collection with their fields.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access token or a workspace API key.' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
}
