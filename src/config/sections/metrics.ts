import { defineSection } from '../section';
import { Check, longerThan, matching, shorterThan, text } from '../variable';

const MIN_TOKEN_LENGTH = 32;

const portNumber: Check = (raw, name) => (Number(raw) <= 65535 ? undefined : `${name} must not be greater than 65535`);

/**
 * Who may read `GET /metrics`: a caller with the metrics token, or anyone who reaches a port of its own
 * (meant for a network Prometheus alone reaches). Neither set: nobody, the route answers 401.
 */
export const metrics = defineSection({
  variables: {
    token: text('METRICS_TOKEN', undefined, longerThan(MIN_TOKEN_LENGTH, `must be a random string of at least ${MIN_TOKEN_LENGTH} characters`), shorterThan(512)),
    port: text('METRICS_PORT', undefined, matching(/^\d{1,5}$/, 'must be a port number (0 to 65535)'), portNumber).to((raw) => (raw === undefined ? null : Number(raw))),
    host: text('METRICS_HOST', undefined),
  },
  rules: (v, server) => [
    ...(v.port !== null && v.port !== 0 && v.port === server.port ? ['METRICS_PORT must differ from PORT: metrics are served on a port of their own'] : []),
    ...(v.host !== undefined && v.port === null ? ['METRICS_HOST needs METRICS_PORT: without it, metrics are served on PORT'] : []),
  ],
  build: (v, server) => ({
    /** The bearer token `/metrics` asks for; null: none (then only METRICS_PORT serves metrics, if set). */
    token: v.token ?? null,
    /**
     * The port of their own metrics are served on, and not on PORT; 0 asks the system for a free one.
     * null: served on PORT, behind the token.
     */
    port: v.port,
    /** The interface of METRICS_PORT: HOST unless METRICS_HOST says. */
    host: v.host ?? server.host,
  }),
});
