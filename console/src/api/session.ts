import { ApiError, errorFromBody } from './errors';
import type { components } from './schema';
import type { User } from './types';

/** What a signed-in console holds: the access token lives here, in memory only. */
export interface Session {
  accessToken: string;
  /** When the access token stops working (ms since the epoch). */
  expiresAt: number;
  user: User;
}

type SessionAnswer = components['schemas']['SessionDto'];
type ChallengeAnswer = components['schemas']['MfaChallengeDto'];

/** What a first factor (password, magic link) of an account with MFA leads to: a code is needed next. */
export interface MfaChallenge {
  mfaToken: string;
}

type Listener = (session: Session | null) => void;

/**
 * Set while this browser holds a session, so a first visit does not ask for a refresh it cannot get (a
 * refused request the browser would log). It is a flag, not a credential.
 */
const SIGNED_IN_HINT = 'cairn-studio-signed-in';

/** Refresh this long before the access token expires, so requests never meet an expired one. */
const REFRESH_AHEAD_MS = 30_000;

/**
 * The console's session. The refresh token is an httpOnly cookie Cairn sets in cookie mode, out of reach of
 * scripts; the access token is kept in this object and renewed silently before it expires. Refreshes are
 * serialized across tabs (Web Locks), because a refresh token is single-use and presenting one twice
 * revokes the whole session.
 */
export class SessionStore {
  private current: Session | null = null;
  private restoring: Promise<Session | null> | null = null;
  private refreshing: Promise<Session | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  get session(): Session | null {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The session, restored once per page load from the refresh cookie if there is one. */
  restore(): Promise<Session | null> {
    if (this.current) return Promise.resolve(this.current);
    if (localStorage.getItem(SIGNED_IN_HINT) === null) return Promise.resolve(null);
    this.restoring ??= this.refresh();
    return this.restoring;
  }

  /** Signs in with a password: the session, or the challenge of the MFA step. */
  async signIn(email: string, password: string): Promise<Session | MfaChallenge> {
    return this.firstFactor(await post<SessionAnswer | ChallengeAnswer>('/api/v1/auth/login', { email, password, mode: 'cookie' }));
  }

  /** Signs in with the token of a mailed link: the session, or the challenge of the MFA step. */
  async signInWithLink(token: string): Promise<Session | MfaChallenge> {
    return this.firstFactor(await post<SessionAnswer | ChallengeAnswer>('/api/v1/auth/magic-link/verify', { token, mode: 'cookie' }));
  }

  /** Completes the MFA step with a code of the authenticator or a recovery code. */
  async verifyMfa(challenge: MfaChallenge, code: string): Promise<Session> {
    return this.set(await post<SessionAnswer>('/api/v1/auth/mfa/verify', { mfa_token: challenge.mfaToken, code, mode: 'cookie' }));
  }

  private firstFactor(answer: SessionAnswer | ChallengeAnswer): Session | MfaChallenge {
    return 'mfa_token' in answer ? { mfaToken: answer.mfa_token } : this.set(answer);
  }

  /** Signs in with the one-time code single sign-on brought back (`sso_code`), which works once: the session, or the challenge of the MFA step. */
  async exchangeSsoCode(code: string): Promise<Session | MfaChallenge> {
    return this.firstFactor(await post<SessionAnswer | ChallengeAnswer>('/api/v1/auth/oidc/exchange', { code, mode: 'cookie' }));
  }

  async signOut(): Promise<void> {
    try {
      await fetch('/api/v1/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
    } finally {
      this.set(null);
    }
  }

  /** Ends the session locally when the server no longer accepts it (expired, revoked). */
  expire(): void {
    this.set(null);
  }

  /** A new access token from the refresh cookie; null when there is no session to renew. One at a time. */
  refresh(): Promise<Session | null> {
    this.refreshing ??= withRefreshLock(async () => {
      try {
        const answer = await post<SessionAnswer>('/api/v1/auth/refresh', { mode: 'cookie' });
        return this.set(answer);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 400 || error.status === 401)) return this.set(null);
        throw error;
      }
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private set(answer: SessionAnswer): Session;
  private set(answer: null): null;
  private set(answer: SessionAnswer | null): Session | null {
    clearTimeout(this.timer);
    this.current = answer ? { accessToken: answer.access_token, expiresAt: Date.now() + answer.expires, user: answer.user } : null;
    if (this.current) localStorage.setItem(SIGNED_IN_HINT, '1');
    else localStorage.removeItem(SIGNED_IN_HINT);
    if (this.current) {
      const wait = Math.max(answer!.expires - REFRESH_AHEAD_MS, 5_000);
      this.timer = setTimeout(() => void this.refresh().catch(() => undefined), wait);
    } else {
      this.restoring = Promise.resolve(null);
    }
    for (const listener of this.listeners) listener(this.current);
    return this.current;
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFromBody(response.status, parsed);
  return (parsed as { data: T }).data;
}

function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) return navigator.locks.request('cairn-studio-refresh', work) as unknown as Promise<T>;
  return work();
}

export const sessions = new SessionStore();
