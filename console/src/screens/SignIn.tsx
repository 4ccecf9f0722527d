import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useRouter, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions, type MfaChallenge } from '../api/session';
import { system, unwrap } from '../api/system';
import { MfaStep } from '../components/MfaStep';
import { AuthCard, Button, ErrorAlert, Loading, TextInput } from '../components/ui';

export default function SignIn() {
  const { redirect, sso_code: ssoCode } = useSearch({ from: '/sign-in' });
  const router = useRouter();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const signedIn = () => (redirect ? router.history.push(redirect) : void navigate({ to: '/' }));
  // Password, magic link and single sign-on are first factors: each answers a session, or the MFA step.
  const proceed = (answer: object) => ('mfaToken' in answer ? setChallenge(answer as MfaChallenge) : signedIn());
  const signIn = useMutation({ mutationFn: () => sessions.signIn(email, password), onSuccess: proceed });
  const mailLink = useMutation({ mutationFn: () => unwrap(system.POST('/api/v1/auth/magic-link', { body: { email } })) });
  // Whether the instance offers single sign-on: asked of the public API, which says so without a session.
  const providers = useQuery({ queryKey: ['auth-providers'], queryFn: () => unwrap(system.GET('/api/v1/auth/providers')), staleTime: 60_000 });
  const exchange = useMutation({ mutationFn: (code: string) => sessions.exchangeSsoCode(code), onSuccess: proceed });
  const { mutate: exchangeCode } = exchange;
  useEffect(() => {
    // The code works once: take it out of the address before using it, so a reload does not present it again.
    if (!ssoCode) return;
    void navigate({ to: '/sign-in', search: { redirect }, replace: true });
    exchangeCode(ssoCode);
  }, [ssoCode, redirect, navigate, exchangeCode]);

  if (ssoCode || exchange.isPending) return <Loading what="your single sign-on session" />;
  const oidc = providers.data?.oidc;
  const ssoUrl = oidc?.enabled && oidc.login_url ? `${oidc.login_url}?return_to=${encodeURIComponent(returnUrl(redirect))}` : null;

  if (challenge) {
    return (
      <AuthCard title="Two-factor authentication">
        <MfaStep challenge={challenge} onSignedIn={signedIn} onRestart={() => setChallenge(null)} />
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Sign in"
      // The same words for a session that ended and for a link opened before signing in: the console cannot tell them apart.
      intro={redirect && <p className="hint">Sign in to continue to the page you opened.</p>}
    >
      <ErrorAlert error={exchange.error} />
      {ssoUrl && (
        <>
          <a className="btn primary" href={ssoUrl}>
            Sign in with SSO
          </a>
          <p className="hint">or with your email and password</p>
        </>
      )}
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          signIn.mutate();
        }}
      >
        <TextInput label="Email" type="email" value={email} onChange={setEmail} isRequired autoComplete="username" autoFocus />
        <TextInput label="Password" type="password" value={password} onChange={setPassword} isRequired autoComplete="current-password" />
        <ErrorAlert error={signIn.error} />
        <Button type="submit" variant={ssoUrl ? undefined : 'primary'} isPending={signIn.isPending}>
          Sign in
        </Button>
        <Button variant="link" isDisabled={!email} isPending={mailLink.isPending} onPress={() => mailLink.mutate()}>
          Email me a sign-in link instead
        </Button>
        <ErrorAlert error={mailLink.error} />
        {mailLink.isSuccess && (
          <div className="notice" role="status">
            If an account has this address, a sign-in link is on its way. It works once, for 15 minutes.
          </div>
        )}
      </Form>
    </AuthCard>
  );
}

/** This page, where single sign-on brings the browser back with its code (and then on to `redirect`). */
function returnUrl(redirect: string | undefined): string {
  const back = new URL('/admin/sign-in', window.location.origin);
  if (redirect) back.searchParams.set('redirect', redirect);
  return back.href;
}
