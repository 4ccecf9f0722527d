import { useMutation } from '@tanstack/react-query';
import { useNavigate, useRouter, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions, type MfaChallenge } from '../api/session';
import { system, unwrap } from '../api/system';
import { MfaStep } from '../components/MfaStep';
import { AuthCard, Button, ErrorAlert, TextInput } from '../components/ui';

export default function SignIn() {
  const { redirect } = useSearch({ from: '/sign-in' });
  const router = useRouter();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const signedIn = () => (redirect ? router.history.push(redirect) : void navigate({ to: '/' }));
  const signIn = useMutation({
    mutationFn: () => sessions.signIn(email, password),
    onSuccess: (answer) => ('mfaToken' in answer ? setChallenge(answer) : signedIn()),
  });
  const mailLink = useMutation({ mutationFn: () => unwrap(system.POST('/api/v1/auth/magic-link', { body: { email } })) });

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
        <Button type="submit" variant="primary" isPending={signIn.isPending}>
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
