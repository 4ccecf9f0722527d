import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { REFRESH_COOKIE } from '../credentials/access-tokens';
import type { LoginMode } from '../credentials/sign-in.dto';

/**
 * The cookie that ties a sign-in's callback to the browser that started it: without it, someone could
 * start a sign-in with their own account and have a victim's browser finish it (login CSRF). Scoped to
 * every API path, since the platform's and the workspaces' callbacks both read it.
 */
const FLOW_COOKIE = 'cairn_oidc_state';
const FLOW_COOKIE_PATH = '/api/v1';
const FLOW_COOKIE_MAX_AGE_S = 600;

export function rememberFlow(reply: FastifyReply, state: string, server: ServerConfig): void {
  // SameSite=Lax: the provider sends the browser back with a top-level GET, which carries it.
  void reply.setCookie(FLOW_COOKIE, state, { httpOnly: true, secure: server.publicUrl.startsWith('https://'), sameSite: 'lax', path: FLOW_COOKIE_PATH, maxAge: FLOW_COOKIE_MAX_AGE_S });
}

/** The state of the sign-in this browser started, and the cookie dropped: a flow finishes once. */
export function recallFlow(request: FastifyRequest, reply: FastifyReply): string | undefined {
  void reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
  return request.cookies?.[FLOW_COOKIE];
}

/** The query string of a request as it arrived, which the provider's callback parameters are read from. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
}

/**
 * A session as the password sign-in answers it: in cookie mode the refresh token travels only as an
 * httpOnly cookie scoped to the auth routes of its realm (`cookiePath`).
 */
export function deliverSession<S extends { refresh_token?: string }>(session: S, mode: LoginMode, cookiePath: string, reply: FastifyReply, auth: AuthConfig, server: ServerConfig): S {
  if (mode === 'json') return session;
  void reply.setCookie(REFRESH_COOKIE, session.refresh_token ?? '', {
    httpOnly: true,
    secure: server.publicUrl.startsWith('https://'),
    sameSite: 'lax',
    path: cookiePath,
    maxAge: Math.round(auth.refreshTokenTtlMs / 1000),
  });
  const { refresh_token: _omitted, ...rest } = session;
  return rest as S;
}
