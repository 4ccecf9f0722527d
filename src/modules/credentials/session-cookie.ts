import type { FastifyReply } from 'fastify';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { REFRESH_COOKIE } from './access-tokens';
import type { LoginMode } from './sign-in.dto';

/** What any sign-in answers: a session, whose refresh token cookie mode moves into a cookie. */
interface IssuedSession {
  refresh_token?: string;
}

/**
 * Delivers a session as the sign-in's `mode` asks: in the body (`json`), or with the refresh token only as
 * an httpOnly cookie scoped to `path`, out of reach of page scripts (`cookie`).
 */
export function deliverSession<S extends IssuedSession>(session: S, mode: LoginMode, path: string, reply: FastifyReply, config: { auth: AuthConfig; server: ServerConfig }): S {
  if (mode === 'json') return session;
  void reply.setCookie(REFRESH_COOKIE, session.refresh_token ?? '', {
    httpOnly: true,
    secure: config.server.publicUrl.startsWith('https://'),
    sameSite: 'lax',
    path,
    maxAge: Math.round(config.auth.refreshTokenTtlMs / 1000),
  });
  const { refresh_token: _omitted, ...rest } = session;
  return rest as S;
}
