import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { invalidToken } from '../../common/errors/app-error';

/** `Bearer <token>`: the scheme, then one token without spaces. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The token a caller gives: its `Authorization` header, or, without one, its `access_token` parameter
 * (the query parameter's value: undefined when absent, an array when repeated); null when it gives
 * neither. A credential that is given but is no well-formed one (`Basic …`, a bare `Bearer`, an empty
 * or repeated `access_token`) is refused with 401 `INVALID_TOKEN`: the caller meant to be somebody, so
 * it is never taken for an anonymous one. HTTP requests and WebSocket handshakes read it the same way.
 */
export function givenToken(authorization: unknown, accessToken: unknown): string | null {
  if (authorization !== undefined) return bearerToken(authorization);
  if (accessToken === undefined) return null;
  return tokenParameter(accessToken, 'access_token');
}

/** The token of an `Authorization` value, which must be `Bearer <token>` (401 otherwise). */
export function bearerToken(value: unknown): string {
  const token = typeof value === 'string' ? BEARER.exec(value)?.[1] : undefined;
  if (!token) throw invalidToken('The Authorization header must be "Bearer <token>".');
  return token;
}

/** A token given on its own, as `access_token` is: one value, without spaces (401 otherwise). */
export function tokenParameter(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\S+$/.test(value)) throw invalidToken(`"${name}" must hold one token.`);
  return value;
}

/** The token of an HTTP request: `Authorization: Bearer …`, or `?access_token=` for downloads. */
export function requestToken(request: FastifyRequest): string | null {
  return givenToken(request.headers.authorization, (request.query as Record<string, unknown> | undefined)?.access_token);
}

/** The token of a WebSocket handshake: `Authorization: Bearer …`, or `?access_token=`. */
export function handshakeToken(request: IncomingMessage): string | null {
  const values = new URLSearchParams((request.url ?? '').split('?')[1] ?? '').getAll('access_token');
  return givenToken(request.headers.authorization, values.length === 0 ? undefined : values.length === 1 ? values[0] : values);
}
