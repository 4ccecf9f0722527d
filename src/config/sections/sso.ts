import { defineSection } from '../section';
import { commaList, flag, httpUrl, text } from '../variable';

/**
 * Single sign-on of platform accounts with an OpenID Connect provider (sso/). Workspaces configure the
 * sign-in of their app users through the API; only OIDC_ALLOW_INSECURE_ISSUERS applies to them too.
 */
export const sso = defineSection({
  variables: {
    issuer: text('OIDC_ISSUER', undefined, httpUrl),
    clientId: text('OIDC_CLIENT_ID', undefined),
    clientSecret: text('OIDC_CLIENT_SECRET', undefined),
    redirectUrl: text('OIDC_REDIRECT_URL', undefined, httpUrl),
    allowSignup: flag('OIDC_ALLOW_SIGNUP', false),
    returnUrls: text('OIDC_RETURN_URLS', '').to(commaList),
    allowInsecureIssuers: flag('OIDC_ALLOW_INSECURE_ISSUERS', false),
  },
  rules: (v) => [
    ...(Boolean(v.issuer) !== Boolean(v.clientId) ? ['OIDC_ISSUER and OIDC_CLIENT_ID must be set together (or neither)'] : []),
    ...(v.issuer?.startsWith('http://') && !v.allowInsecureIssuers ? ['OIDC_ISSUER must be an https URL (or set OIDC_ALLOW_INSECURE_ISSUERS=true, for development only)'] : []),
    ...v.returnUrls.filter((url) => !URL.canParse(url)).map((url) => `OIDC_RETURN_URLS: "${url}" is not a URL`),
  ],
  build: (v, server) => {
    const publicUrl = (server.publicUrl ?? `http://localhost:${server.port}`).replace(/\/+$/, '');
    return {
      /** The provider platform accounts sign in with; null: single sign-on is off for them. */
      platform:
        v.issuer && v.clientId
          ? {
              issuer: v.issuer,
              clientId: v.clientId,
              clientSecret: v.clientSecret ?? null,
              redirectUrl: v.redirectUrl ?? `${publicUrl}/api/v1/auth/oidc/callback`,
              allowSignup: v.allowSignup,
              /** Where the callback may send the browser back with its one-time code: the console unless listed. */
              returnUrls: v.returnUrls.length > 0 ? v.returnUrls : [`${publicUrl}/admin`],
            }
          : null,
      /** Whether http:// issuers are accepted (a provider on this machine, in development and tests). */
      allowInsecureIssuers: v.allowInsecureIssuers,
      /** The base of the callbacks of workspaces' providers: {publicUrl}/api/v1/w/{workspace id}/auth/oidc/callback. */
      publicUrl,
    };
  },
});
