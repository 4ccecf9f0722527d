import { useMutation } from '@tanstack/react-query';
import { useNavigate, useRouter, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions } from '../api/session';
import { AuthCard, Button, ErrorAlert, TextInput } from '../components/ui';

export default function SignIn() {
  const { redirect } = useSearch({ from: '/sign-in' });
  const router = useRouter();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () => sessions.signIn(email, password),
    onSuccess: () => (redirect ? router.history.push(redirect) : navigate({ to: '/' })),
  });

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
      </Form>
    </AuthCard>
  );
}
