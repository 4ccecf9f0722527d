import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { sessions, type MfaChallenge } from '../api/session';
import { MfaStep } from '../components/MfaStep';
import { AuthCard, Button, ErrorAlert } from '../components/ui';

/**
 * Where a mailed sign-in link leads. The token is used on a click, not on opening: mail scanners that open
 * links would otherwise use it up before its owner does.
 */
export default function MagicLink() {
  const { token } = useSearch({ from: '/magic-link' });
  const navigate = useNavigate();
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const signedIn = () => void navigate({ to: '/' });
  const signIn = useMutation({
    mutationFn: () => sessions.signInWithLink(token ?? ''),
    onSuccess: (answer) => ('mfaToken' in answer ? setChallenge(answer) : signedIn()),
  });

  if (challenge) {
    return (
      <AuthCard title="Two-factor authentication">
        <MfaStep challenge={challenge} onSignedIn={signedIn} onRestart={() => void navigate({ to: '/sign-in', search: { redirect: undefined } })} />
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Sign in with a link">
      <div className="stack">
        {token ? <p className="hint">This link signs you in to Cairn Studio once.</p> : <p className="hint">This link has no token. Open the link from the mail again.</p>}
        <ErrorAlert error={signIn.error} />
        <Button variant="primary" isDisabled={!token} isPending={signIn.isPending} onPress={() => signIn.mutate()}>
          Sign in
        </Button>
        <Link to="/sign-in" search={{ redirect: undefined }}>
          Sign in with a password
        </Link>
      </div>
    </AuthCard>
  );
}
