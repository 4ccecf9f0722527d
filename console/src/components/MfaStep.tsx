import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions, type MfaChallenge } from '../api/session';
import { Button, ErrorAlert, TextInput } from './ui';

/** The second step of a sign-in: a code of the authenticator app, or one of the recovery codes. */
export function MfaStep({ challenge, onSignedIn, onRestart }: { challenge: MfaChallenge; onSignedIn: () => void; onRestart: () => void }) {
  const [code, setCode] = useState('');
  const verify = useMutation({ mutationFn: () => sessions.verifyMfa(challenge, code), onSuccess: onSignedIn });
  return (
    <Form
      className="stack"
      aria-label="Two-factor authentication"
      onSubmit={(event) => {
        event.preventDefault();
        verify.mutate();
      }}
    >
      <p className="hint">Enter the six-digit code of your authenticator app, or one of your recovery codes.</p>
      <TextInput label="Code" value={code} onChange={setCode} isRequired autoComplete="one-time-code" autoFocus />
      <ErrorAlert error={verify.error} />
      <Button type="submit" variant="primary" isPending={verify.isPending}>
        Verify
      </Button>
      <Button variant="link" onPress={onRestart}>
        Start again
      </Button>
    </Form>
  );
}
