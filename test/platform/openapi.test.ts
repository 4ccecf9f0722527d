import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { openApiErrors } from '../support/openapi-validator';

/** Every platform route of the contract, and the workspace plane's fixed routes, as OpenAPI paths. */
const ROUTES: Array<[string, string]> = [
  ['get', '/api/v1/health'],
  ['post', '/api/v1/auth/register'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/refresh'],
  ['post', '/api/v1/auth/logout'],
  ['get', '/api/v1/auth/me'],
  ['get', '/api/v1/users'],
  ['get', '/api/v1/users/{id}'],
  ['patch', '/api/v1/users/{id}'],
  ['delete', '/api/v1/users/{id}'],
  ['get', '/api/v1/instance/settings'],
  ['patch', '/api/v1/instance/settings'],
  ['post', '/api/v1/w/{ws}/connections/test'],
  ['get', '/api/v1/w/{ws}/asset-presets'],
  ['post', '/api/v1/w/{ws}/asset-presets'],
  ['get', '/api/v1/w/{ws}/asset-presets/{name}'],
  ['patch', '/api/v1/w/{ws}/asset-presets/{name}'],
  ['delete', '/api/v1/w/{ws}/asset-presets/{name}'],
  ['get', '/api/v1/workspaces'],
  ['post', '/api/v1/workspaces'],
  ['get', '/api/v1/workspaces/{ws}'],
  ['patch', '/api/v1/workspaces/{ws}'],
  ['delete', '/api/v1/workspaces/{ws}'],
  ['get', '/api/v1/workspaces/{ws}/members'],
  ['post', '/api/v1/workspaces/{ws}/members'],
  ['patch', '/api/v1/workspaces/{ws}/members/{id}'],
  ['delete', '/api/v1/workspaces/{ws}/members/{id}'],
  ['get', '/api/v1/workspaces/{ws}/api-keys'],
  ['post', '/api/v1/workspaces/{ws}/api-keys'],
  ['delete', '/api/v1/workspaces/{ws}/api-keys/{id}'],
  ['post', '/api/v1/w/{ws}/auth/register'],
  ['post', '/api/v1/w/{ws}/auth/login'],
  ['post', '/api/v1/w/{ws}/auth/refresh'],
  ['post', '/api/v1/w/{ws}/auth/logout'],
  ['get', '/api/v1/w/{ws}/auth/me'],
  ['post', '/api/v1/w/{ws}/auth/password/request'],
  ['post', '/api/v1/w/{ws}/auth/password/reset'],
  ['post', '/api/v1/w/{ws}/auth/password/change'],
  ['post', '/api/v1/w/{ws}/auth/email/request-verification'],
  ['post', '/api/v1/w/{ws}/auth/email/verify'],
  ['get', '/api/v1/w/{ws}/app-users'],
  ['post', '/api/v1/w/{ws}/app-users'],
  ['get', '/api/v1/w/{ws}/app-users/{id}'],
  ['patch', '/api/v1/w/{ws}/app-users/{id}'],
  ['delete', '/api/v1/w/{ws}/app-users/{id}'],
  ['post', '/api/v1/w/{ws}/app-users/{id}/password'],
  ['get', '/api/v1/w/{ws}/app-users/{id}/sessions'],
  ['delete', '/api/v1/w/{ws}/app-users/{id}/sessions'],
  ['delete', '/api/v1/w/{ws}/app-users/{id}/sessions/{session}'],
  ['post', '/api/v1/w/{ws}/webhooks/{id}/deliveries/replay-failed'],
  ['post', '/api/v1/w/{ws}/webhooks/{id}/test'],
  ['post', '/api/v1/w/{ws}/flows/{id}/runs/{run}/rerun'],
  ['post', '/api/v1/w/{ws}/explain'],
  ['post', '/api/v1/w/{ws}/explain/items'],
  ['post', '/api/v1/w/{ws}/batch'],
  ['post', '/api/v1/w/{ws}/handlers/{id}/sample'],
];
/** Routes that take no body: the action is the path. */
const BODILESS = ['/logout', '/request-verification', '/replay-failed', '/test', '/rerun'];

describeEachDatabase('OpenAPI document', {}, (suite) => {
  it('lists every platform route with its responses, and a schema for every body', async () => {
    const response = await suite.api.get('/api/docs-json');
    assert.equal(response.status, 200);
    const document = response.body;
    assert.equal(document.components.securitySchemes.bearer.scheme, 'bearer');
    for (const [method, path] of ROUTES) {
      const operation = document.paths[path]?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      assert.ok(success.length > 0, `${method.toUpperCase()} ${path} documents a success`);
      for (const [status, answer] of success as Array<[string, { content?: Record<string, { schema?: unknown }> }]>) {
        if (status !== '204') assert.ok(answer.content?.['application/json']?.schema, `${method.toUpperCase()} ${path} ${status} has a schema`);
      }
      if (['post', 'patch'].includes(method) && !BODILESS.some((end) => path.endsWith(end))) {
        assert.ok(operation.requestBody?.content?.['application/json']?.schema, `${method.toUpperCase()} ${path} documents its body`);
      }
    }
    assert.ok(document.paths['/api/v1/auth/me'].get.security.some((s: Record<string, unknown>) => 'bearer' in s));
  });

  it('is a valid OpenAPI document that says it covers the workspace plane too', async () => {
    const document = (await suite.api.get('/api/docs-json')).body;
    assert.deepEqual(await openApiErrors(document), []);
    assert.match(document.info.description, /\/api\/v1\/w\/\{ws\}\/openapi\.json/);
  });

  it('serves Swagger UI', async () => {
    const page = await suite.api.get('/api/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger-ui/i);
  });
});
