import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('metrics configuration', () => {
  it('turns metrics on by neither token nor port by default', () => {
    assert.deepEqual(loadConfig({}).metrics, { token: null, port: null, host: '0.0.0.0' });
  });

  it('reads the token, and the port with its interface (HOST unless METRICS_HOST says)', () => {
    const token = 'm'.repeat(32);
    assert.equal(loadConfig({ METRICS_TOKEN: token }).metrics.token, token);
    assert.deepEqual(loadConfig({ METRICS_PORT: '9464', HOST: '10.0.0.5' }).metrics, { token: null, port: 9464, host: '10.0.0.5' });
    assert.equal(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' }).metrics.host, '127.0.0.1');
    assert.equal(loadConfig({ METRICS_PORT: '0' }).metrics.port, 0);
  });

  it('names the variable of each wrong value', () => {
    assert.match(problemsOf({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN must be a random string of at least 32 characters/);
    assert.match(problemsOf({ METRICS_PORT: 'ninety' }), /METRICS_PORT must be a port number/);
    assert.match(problemsOf({ METRICS_PORT: '70000' }), /METRICS_PORT must not be greater than 65535/);
    assert.match(problemsOf({ METRICS_PORT: '3000' }), /METRICS_PORT must differ from PORT/);
    assert.match(problemsOf({ PORT: '8080', METRICS_PORT: '8080' }), /METRICS_PORT must differ from PORT/);
    assert.match(problemsOf({ METRICS_HOST: '127.0.0.1' }), /METRICS_HOST needs METRICS_PORT/);
  });
});
