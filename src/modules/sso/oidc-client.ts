import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { Clock } from '../../common/clock/clock';
import { invalidCredentials, invalidPayload, serviceUnavailable } from '../../common/errors/app-error';
import type { SsoConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';

/** An OpenID Connect provider as Cairn's client of it is registered there. */
export interface ProviderSettings {
  issuer: string;
  clientId: string;
  /** null: a public client, which proves itself with PKCE alone. */
  clientSecret: string | null;
  /** The callback registered at the provider. */
  redirectUrl: string;
}

/** What a sign-in started at the provider must be checked against when it comes back. */
export interface PendingChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who the provider says signed in, from the ID token it signed (and its userinfo when the token names no email). */
export interface VerifiedIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** How long a provider's discovered metadata (and its keys, which openid-client caches with it) is reused. */
const DISCOVERY_TTL_MS = 10 * 60_000;
/** How long Cairn waits for a provider's answer, in seconds, as openid-client counts them. */
const PROVIDER_TIMEOUT_S = 10;

/**
 * Cairn's client of OpenID Connect providers, through openid-client: discovery from the issuer, the
 * authorization code flow with PKCE (S256), and the callback checked by the library (state, nonce, the ID
 * token's signature, issuer, audience and lifetime).
 */
@Injectable()
export class OidcClient {
  private readonly discovered = new Map<string, { configuration: Promise<oidc.Configuration>; until: number }>();

  constructor(
    private readonly clock: Clock,
    @InjectConfig('sso') private readonly config: SsoConfig,
  ) {}

  /** Discovers the provider (refusing an http issuer unless allowed) and answers its metadata's issuer. */
  async check(provider: ProviderSettings): Promise<void> {
    await this.configuration(provider);
  }

  /** The provider's authorization URL for a new sign-in, with the checks its callback must pass. */
  async start(provider: ProviderSettings): Promise<{ url: string; checks: PendingChecks }> {
    const configuration = await this.configuration(provider);
    const checks: PendingChecks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: provider.redirectUrl,
      scope: 'openid email profile',
      response_type: 'code',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, checks };
  }

  /**
   * Redeems the code of a callback (its query string as received) and answers the identity the ID
   * token carries. Anything the library refuses (a state or nonce that differs, a code used already or
   * issued for another verifier, a token badly signed) is an INVALID_CREDENTIALS with its reason.
   */
  async finish(provider: ProviderSettings, callbackQuery: URLSearchParams, checks: PendingChecks): Promise<VerifiedIdentity> {
    const configuration = await this.configuration(provider);
    const currentUrl = new URL(provider.redirectUrl);
    currentUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (error) {
      throw refusal(error);
    }
    const claims = tokens.claims();
    if (!claims) throw invalidCredentials('Single sign-on failed: the provider sent no ID token.');
    let source: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string') {
      // Some providers put the email in userinfo only; it is read with the access token, for the same subject.
      try {
        source = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      } catch (error) {
        throw refusal(error);
      }
    }
    return {
      subject: claims.sub,
      email: typeof source.email === 'string' ? source.email : null,
      // Only a boolean true counts: some providers send the string "true", which is not what OIDC says.
      emailVerified: source.email_verified === true,
      name: typeof source.name === 'string' ? source.name : null,
    };
  }

  private configuration(provider: ProviderSettings): Promise<oidc.Configuration> {
    let issuer: URL;
    try {
      issuer = new URL(provider.issuer);
    } catch {
      throw invalidPayload('The issuer is not a URL.', 'issuer');
    }
    if (issuer.protocol === 'http:' && !this.config.allowInsecureIssuers) {
      throw invalidPayload('The issuer must be an https URL (http only with OIDC_ALLOW_INSECURE_ISSUERS=true, for development).', 'issuer');
    }
    if (issuer.protocol !== 'http:' && issuer.protocol !== 'https:') throw invalidPayload('The issuer must be an https URL.', 'issuer');
    const key = createHash('sha256').update(JSON.stringify([provider.issuer, provider.clientId, provider.clientSecret])).digest('hex');
    const cached = this.discovered.get(key);
    if (cached && cached.until > this.clock.now()) return cached.configuration;
    const configuration = this.discover(issuer, provider).catch((error: unknown) => {
      this.discovered.delete(key);
      throw serviceUnavailable(`The OpenID Connect provider ${provider.issuer} could not be discovered: ${reasonOf(error)}`);
    });
    this.discovered.set(key, { configuration, until: this.clock.now() + DISCOVERY_TTL_MS });
    return configuration;
  }

  /**
   * Discovers the provider and sets up the client's authentication at its token endpoint: a secret sent
   * with HTTP Basic when the provider takes it (OpenID Connect's default), in the body otherwise; none
   * for a public client.
   */
  private async discover(issuer: URL, provider: ProviderSettings): Promise<oidc.Configuration> {
    const insecure = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    const discovered = await oidc.discovery(issuer, provider.clientId, undefined, oidc.None(), { execute: insecure, timeout: PROVIDER_TIMEOUT_S });
    const metadata = discovered.serverMetadata();
    const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    const secret = provider.clientSecret;
    const authentication = secret === null ? oidc.None() : methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
    const configuration = new oidc.Configuration(metadata, provider.clientId, secret ?? undefined, authentication);
    for (const extension of insecure) extension(configuration);
    configuration.timeout = PROVIDER_TIMEOUT_S;
    return configuration;
  }
}

/** A callback the library refused, with its reason (an OAuth error from the provider, or a failed check). */
function refusal(error: unknown) {
  return invalidCredentials(`Single sign-on failed: ${reasonOf(error)}`);
}

function reasonOf(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    return `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`;
  }
  if (!(error instanceof Error)) return String(error);
  // openid-client's message is generic ("unexpected JWT claim value"); its cause, from oauth4webapi, names the check.
  return error.cause instanceof Error && error.cause.message !== error.message ? `${error.message}: ${error.cause.message}` : error.message;
}
