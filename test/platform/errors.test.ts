import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newAccount } from '../support/factories';

/** Text that must never reach a client: stack frames, SQL, driver and framework internals. */
const LEAKS = [/\bat \S+ \(/, /node_modules/, /QueryFailedError/, /\bSELECT\b/i, /\bINSERT\b/i, /SQLITE_/, /ER_[A-Z_]+/, /FST_ERR/];

function assertNoLeak(text: string) {
  for (const pattern of LEAKS) assert.doesNotMatch(text, pattern);
}

describeEachDatabase('error envelope', {}, (suite) => {
  it('answers malformed JSON with INVALID_PAYLOAD', async () => {
    const response = await suite.api.post('/api/v1/auth/login', undefined, { raw: { content: '{"email": "a@b.c", ', contentType: 'application/json' } });
    assertError(response, 400, 'INVALID_PAYLOAD');
    assertNoLeak(response.text);
  });

  it('answers a body that is not an object with INVALID_PAYLOAD', async () => {
    for (const content of ['[1,2]', '"text"', 'null']) {
      assertError(await suite.api.post('/api/v1/auth/login', undefined, { raw: { content, contentType: 'application/json' } }), 400, 'INVALID_PAYLOAD');
    }
  });

  it('names the field of a wrong type or a missing one', async () => {
    const wrongType = await suite.api.post('/api/v1/auth/register', { email: 12345, password: 'password-123' });
    assertError(wrongType, 400, 'INVALID_PAYLOAD');
    assert.equal(wrongType.body.errors[0].extensions.field, 'email');
    const missing = await suite.api.post('/api/v1/auth/register', { email: 'someone@example.com' });
    assertError(missing, 400, 'INVALID_PAYLOAD');
    assert.equal(missing.body.errors[0].extensions.field, 'password');
    const unknown = await suite.api.post('/api/v1/auth/register', { email: 'someone@example.com', password: 'password-123', is_superadmin: true });
    assertError(unknown, 400, 'INVALID_PAYLOAD');
    assert.equal(unknown.body.errors[0].extensions.field, 'is_superadmin');
  });

  it('refuses prototype-pollution keys in a body', async () => {
    const response = await suite.api.post('/api/v1/auth/login', undefined, {
      raw: { content: '{"email":"a@b.co","password":"x","__proto__":{"admin":true}}', contentType: 'application/json' },
    });
    assertError(response, 400, 'INVALID_PAYLOAD');
  });

  it('answers a 2 MB body with PAYLOAD_TOO_LARGE', async () => {
    const response = await suite.api.post('/api/v1/auth/register', { email: 'big@example.com', password: 'password-123', name: 'x'.repeat(2 * 1024 * 1024) });
    assertError(response, 413, 'PAYLOAD_TOO_LARGE');
    assertNoLeak(response.text);
  });

  it('answers an unsupported content type with UNSUPPORTED_MEDIA_TYPE', async () => {
    assertError(await suite.api.post('/api/v1/auth/login', undefined, { raw: { content: '<login/>', contentType: 'application/xml' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unknown route with NOT_FOUND', async () => {
    const response = await suite.api.get('/api/v1/no-such-route');
    assertError(response, 404, 'NOT_FOUND');
    assertNoLeak(response.text);
    assertError(await suite.api.get('/not-even-the-api'), 404, 'NOT_FOUND');
  });

  it('answers a database constraint failure as CONFLICT without driver text', async () => {
    const account = await newAccount(suite.api);
    const again = await suite.api.post('/api/v1/auth/register', { email: account.email, password: 'password-123' });
    assertError(again, 409, 'CONFLICT');
    assertNoLeak(again.text);
  });

  it('tags every response with a request id, keeping a well-formed one the client sent', async () => {
    const generated = await suite.api.get('/api/v1/health');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await suite.api.get('/api/v1/health', { headers: { 'x-request-id': 'client-id-42' } });
    assert.equal(kept.headers.get('x-request-id'), 'client-id-42');
    const replaced = await suite.api.get('/api/v1/health', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'bad id\twith spaces');
  });
});
