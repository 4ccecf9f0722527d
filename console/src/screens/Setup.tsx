import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { ApiError } from '../api/errors';
import { sessions } from '../api/session';
import { system, unwrap } from '../api/system';
import { Button, ErrorAlert, TextInput } from '../components/ui';
import { forgetSetupState } from '../router';

/** First run: the instance has no account; its operator creates the superadmin with the printed token. */
export default function Setup() {
  const search = useSearch({ from: '/setup' });
  const navigate = useNavigate();
  const [token, setToken] = useState(search.token ?? '');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fieldError = (field: string) => (error instanceof ApiError && error.field === field ? error.message : undefined);

  return (
    <main className="auth">
      <div className="card">
        <div className="brand">
          <img src="/admin/favicon.svg" alt="" />
          Cairn Studio
        </div>
        <div>
          <h1>Create the first account</h1>
          <p className="hint">
            This instance has no account yet. The first one is its superadmin. Cairn printed a one-time setup token in its log when it
            started: paste it below (the link in the log fills it in).
          </p>
        </div>
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            setBusy(true);
            setError(null);
            unwrap(system.POST('/api/v1/auth/register', { body: { email, password, ...(name ? { name } : {}), setup_token: token } }))
              .then(() => sessions.signIn(email, password))
              .then(() => {
                forgetSetupState();
                return navigate({ to: '/workspaces' });
              })
              .catch(setError)
              .finally(() => setBusy(false));
          }}
        >
          <TextInput label="Setup token" value={token} onChange={setToken} isRequired autoComplete="off" error={fieldError('setup_token')} />
          <TextInput label="Name" value={name} onChange={setName} autoComplete="name" error={fieldError('name')} />
          <TextInput label="Email" type="email" value={email} onChange={setEmail} isRequired autoComplete="email" error={fieldError('email')} />
          <TextInput
            label="Password"
            type="password"
            value={password}
            onChange={setPassword}
            isRequired
            autoComplete="new-password"
            hint="At least 8 characters."
            error={fieldError('password')}
          />
          {!fieldError('email') && !fieldError('password') && !fieldError('name') && <ErrorAlert error={error} />}
          <Button type="submit" variant="primary" isPending={busy}>
            Create superadmin
          </Button>
        </Form>
      </div>
    </main>
  );
}
