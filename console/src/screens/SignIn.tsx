import { useNavigate, useRouter, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions } from '../api/session';
import { Button, ErrorAlert, TextInput } from '../components/ui';

export default function SignIn() {
  const { redirect } = useSearch({ from: '/sign-in' });
  const router = useRouter();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  return (
    <main className="auth">
      <div className="card">
        <div className="brand">
          <img src="/admin/favicon.svg" alt="" />
          Cairn Studio
        </div>
        <div>
          <h1>Sign in</h1>
          {/* The same words for a session that ended and for a link opened before signing in: the console cannot tell them apart. */}
          {redirect && <p className="hint">Sign in to continue to the page you opened.</p>}
        </div>
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            setBusy(true);
            setError(null);
            sessions
              .signIn(email, password)
              .then(() => (redirect ? router.history.push(redirect) : navigate({ to: '/' })))
              .catch(setError)
              .finally(() => setBusy(false));
          }}
        >
          <TextInput label="Email" type="email" value={email} onChange={setEmail} isRequired autoComplete="username" autoFocus />
          <TextInput label="Password" type="password" value={password} onChange={setPassword} isRequired autoComplete="current-password" />
          <ErrorAlert error={error} />
          <Button type="submit" variant="primary" isPending={busy}>
            Sign in
          </Button>
        </Form>
      </div>
    </main>
  );
}
