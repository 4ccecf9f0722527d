import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { ClientMetadata } from 'oidc-provider';

/** Someone who signs in at the local provider: the claims it vouches for. */
export interface ProviderIdentity {
  email: string;
  /** What the provider says of the email; anything but true must not link an account. */
  email_verified: boolean;
  name?: string;
}

/**
 * A real OpenID Connect provider (oidc-provider) in this process, on a free port, for single sign-on
 * tests. Its login screen is replaced by the identity the test chose: the next sign-in at it is
 * `nextIdentity`, consented at once. Clients are registered once the callbacks they need are known.
 */
export class LocalOidcProvider {
  /** Who the next sign-in at the provider is. */
  nextIdentity: ProviderIdentity = { email: 'nobody@example.com', email_verified: true };
  /** When set, the next authorization request reaches the provider with this nonce instead of the client's. */
  forgedNonce: string | null = null;

  private provider: Provider | null = null;
  private readonly identities = new Map<string, ProviderIdentity>();
  private readonly jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<LocalOidcProvider> {
    let fixture: LocalOidcProvider | null = null;
    const server = createServer((request, response) => void fixture?.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fixture = new LocalOidcProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fixture;
  }

  /** (Re)creates the provider with these clients; earlier codes and sessions are gone with the old one. */
  register(clients: ClientMetadata[]): void {
    this.provider = new Provider(this.issuer, {
      clients,
      jwks: { keys: [{ ...this.jwk, kid: 'test-key', alg: 'RS256', use: 'sig' }] as never },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // The claims asked for by scope go into the ID token too, as many providers do.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, id) => {
        const identity = this.identities.get(id);
        return identity ? { accountId: id, claims: () => ({ sub: id, ...identity }) } : undefined;
      },
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const provider = this.provider;
    if (!provider) {
      response.writeHead(503).end('no clients registered yet');
      return;
    }
    try {
      const url = new URL(request.url ?? '/', this.issuer);
      if (url.pathname === '/auth' && this.forgedNonce !== null) {
        url.searchParams.set('nonce', this.forgedNonce);
        this.forgedNonce = null;
        request.url = `${url.pathname}${url.search}`;
      }
      if (url.pathname.startsWith('/interaction/')) {
        await this.signIn(provider, request, response);
        return;
      }
      await provider.callback()(request, response);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  }

  /** The login and consent screens, answered at once for `nextIdentity`. */
  private async signIn(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(request, response);
    const accountId = randomUUID();
    this.identities.set(accountId, { ...this.nextIdentity });
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(request, response, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }
}
