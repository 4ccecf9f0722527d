import { useMutation } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { ApiError } from '../api/errors';
import { sessions } from '../api/session';
import { system, unwrap } from '../api/system';
import { AuthCard, Button, ErrorAlert, TextInput } from '../components/ui';
import { forgetSetupState } from '../router';

/** First run: the instance has no account; its operator creates the superadmin with the printed token. */
export default function Setup() {
  const search = useSearch({ from: '/setup' });
  const navigate = useNavigate();
  const [token, setToken] = useState(search.token ?? '');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const register = useMutation({
    mutationFn: async () => {
      await unwrap(system.POST('/api/v1/auth/register', { body: { email, password, ...(name ? { name } : {}), setup_token: token } }));
      await sessions.signIn(email, password);
    },
    onSuccess: () => {
      forgetSetupState();
      return navigate({ to: '/workspaces' });
    },
  });
  const { error } = register;
  const fieldError = (field: string) => (error instanceof ApiError && error.field === field ? error.message : undefined);

  return (
    <AuthCard
      title="Create the first account"
      intro={
        <p className="hint">
          This instance has no account yet. The first one is its superadmin. Cairn printed a one-time setup token in its log when it
          started: paste it below (the link in the log fills it in).
        </p>
      }
    >
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          register.mutate();
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
        <Button type="submit" variant="primary" isPending={register.isPending}>
          Create superadmin
        </Button>
      </Form>
    </AuthCard>
  );
}
