import { Injectable } from '@nestjs/common';
import { AppError, invalidToken, notFound } from '../../common/errors/app-error';
import type { SsoConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { AppAuthService } from '../app-users/app-auth.service';
import type { AppSessionDto } from '../app-users/app-user.dto';
import { AppUsersService } from '../app-users/app-users.service';
import type { SessionDto } from '../auth/auth.dto';
import { AuthService } from '../auth/auth.service';
import type { MfaChallenge } from '../mfa/sign-in-challenges.service';
import { UsersService } from '../users/users.service';
import { OidcClient, PendingChecks } from './oidc-client';
import { SsoAccounts } from './sso-accounts';
import { SsoHandoffs } from './sso-handoffs';
import { SignInProvider, WorkspaceSsoService } from './workspace-sso.service';

/** Whose sign-in a flow is: a platform account, or an app user of one workspace. */
export type SignInRealm = { kind: 'platform' } | { kind: 'workspace'; workspaceId: string };

/** A sign-in waiting at the provider, found again by its state when the browser comes back. */
interface PendingFlow {
  realm: SignInRealm;
  checks: PendingChecks;
  returnTo: string;
}

/** A finished sign-in waiting for its client to exchange the one-time code for a session. */
interface FinishedSignIn {
  realm: SignInRealm;
  subjectId: string;
}

/** How long a browser may take at the provider. */
const FLOW_TTL_MS = 10 * 60_000;
/** How long the client has to exchange its one-time code: it does so as soon as the browser lands. */
const EXCHANGE_TTL_MS = 60_000;
/** The query parameter that carries the one-time code to the return URL. */
export const SSO_CODE_PARAMETER = 'sso_code';

/**
 * Single sign-on's one line: `begin` sends the browser to the provider, `complete` checks what comes
 * back and hands the return URL a one-time code, `exchange` turns that code into the same session as
 * a password sign-in. Tokens never travel in a URL.
 */
@Injectable()
export class SsoFlows {
  constructor(
    private readonly oidc: OidcClient,
    private readonly handoffs: SsoHandoffs,
    private readonly accounts: SsoAccounts,
    private readonly workspaceSso: WorkspaceSsoService,
    private readonly auth: AuthService,
    private readonly appAuth: AppAuthService,
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    @InjectConfig('sso') private readonly config: SsoConfig,
  ) {}

  /** Whether a realm can sign in through single sign-on, and where a browser starts it. */
  async loginUrl(realm: SignInRealm): Promise<string | null> {
    if (!(await this.provider(realm))) return null;
    return realm.kind === 'platform' ? `${this.config.publicUrl}/api/v1/auth/oidc/login` : this.workspaceSso.loginUrl(realm.workspaceId);
  }

  /** Starts a sign-in: the provider's URL to send the browser to, and the state the browser must bring back. */
  async begin(realm: SignInRealm, returnTo: string | undefined): Promise<{ redirect: string; state: string }> {
    const provider = await this.requireProvider(realm);
    const target = allowedReturn(returnTo, provider.returnUrls);
    const { url, checks } = await this.oidc.start(provider);
    await this.handoffs.put('flow', { realm, checks, returnTo: target } satisfies PendingFlow, FLOW_TTL_MS, checks.state);
    return { redirect: url, state: checks.state };
  }

  /**
   * Finishes a sign-in from the provider's callback: the state must be one this server issued, still
   * unused, and the one this browser started (its cookie); the library then checks the code, PKCE, the
   * ID token and its nonce. Answers the return URL with the one-time code.
   */
  async complete(realm: SignInRealm, query: URLSearchParams, browserState: string | undefined): Promise<string> {
    const state = query.get('state');
    if (!state) throw new AppError('INVALID_QUERY', 'Invalid query: the callback has no "state".');
    if (state !== browserState) throw new AppError('INVALID_QUERY', 'Invalid query: this "state" is not the one of the sign-in this browser started.');
    const flow = await this.handoffs.take<PendingFlow>('flow', state);
    if (!flow || !sameRealm(flow.realm, realm)) throw new AppError('INVALID_QUERY', 'Invalid query: the "state" is unknown, used already or expired; start the sign-in again.');
    const provider = await this.requireProvider(realm);
    const identity = await this.oidc.finish(provider, query, flow.checks);
    const subject = realm.kind === 'platform' ? await this.accounts.platformAccount(identity, provider.allowSignup) : await this.accounts.appUser(realm.workspaceId, identity, provider.allowSignup);
    const code = await this.handoffs.put('exchange', { realm, subjectId: subject.id } satisfies FinishedSignIn, EXCHANGE_TTL_MS);
    const back = new URL(flow.returnTo);
    back.searchParams.set(SSO_CODE_PARAMETER, code);
    return back.href;
  }

  /**
   * What a finished sign-in leads to, for the one-time code its callback gave (a code works once): the
   * session, or, for an account or app user with MFA, the challenge of its second step. Single sign-on is
   * a first factor, as a password is.
   */
  async exchange(realm: { kind: 'platform' }, code: string): Promise<SessionDto | MfaChallenge>;
  async exchange(realm: { kind: 'workspace'; workspaceId: string }, code: string): Promise<AppSessionDto | MfaChallenge>;
  async exchange(realm: SignInRealm, code: string): Promise<SessionDto | AppSessionDto | MfaChallenge> {
    const finished = await this.handoffs.take<FinishedSignIn>('exchange', code);
    if (!finished || !sameRealm(finished.realm, realm)) throw invalidToken('The sign-in code is unknown, used already or expired.');
    if (realm.kind === 'platform') {
      const user = await this.users.findById(finished.subjectId);
      if (!user || user.status !== 'active') throw invalidToken('The account of this sign-in is no longer active.');
      return this.auth.afterFirstFactor(user);
    }
    const appUser = await this.appUsers.findById(realm.workspaceId, finished.subjectId);
    if (!appUser || appUser.status !== 'active') throw invalidToken('The app user of this sign-in is no longer active.');
    return this.appAuth.afterFirstFactor(appUser);
  }

  private async provider(realm: SignInRealm): Promise<SignInProvider | null> {
    return realm.kind === 'platform' ? this.config.platform : this.workspaceSso.providerFor(realm.workspaceId);
  }

  private async requireProvider(realm: SignInRealm): Promise<SignInProvider> {
    const provider = await this.provider(realm);
    if (!provider) throw notFound(realm.kind === 'platform' ? 'Single sign-on is not configured on this instance (OIDC_ISSUER).' : 'Single sign-on is not configured for this workspace.');
    return provider;
  }
}

function sameRealm(a: SignInRealm, b: SignInRealm): boolean {
  return a.kind === b.kind && (a.kind === 'platform' || a.workspaceId === (b as { workspaceId: string }).workspaceId);
}

/**
 * The return URL asked for, when it starts with an allowed one (same origin, and within its path), or
 * the first allowed one when none is asked for: the one-time code goes nowhere else.
 */
function allowedReturn(asked: string | undefined, allowed: string[]): string {
  if (asked === undefined || asked === '') return allowed[0];
  let url: URL;
  try {
    url = new URL(asked);
  } catch {
    throw new AppError('INVALID_QUERY', 'Invalid query: "return_to" is not a URL.', { field: 'return_to' });
  }
  const fits = allowed.some((entry) => {
    const base = new URL(entry);
    const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(basePath));
  });
  if (!fits) throw new AppError('INVALID_QUERY', `Invalid query: "return_to" is not among the allowed return URLs (${allowed.join(', ')}).`, { field: 'return_to' });
  return url.href;
}
