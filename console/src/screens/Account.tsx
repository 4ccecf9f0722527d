import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { sessions } from '../api/session';
import { system, unwrap } from '../api/system';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, OneTimeSecret, PageHead, TextInput } from '../components/ui';

const MFA_KEY = ['account', 'mfa'];

/** The signed-in account's own settings: its two-factor authentication. */
export default function Account() {
  const user = sessions.session?.user;
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: MFA_KEY, queryFn: () => unwrap(system.GET('/api/v1/auth/mfa')) });
  // The recovery codes of the enrolment just made, shown until dismissed: the server never shows them again.
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const enabled = (codes: string[]) => {
    setRecoveryCodes(codes);
    void queryClient.invalidateQueries({ queryKey: MFA_KEY });
  };
  return (
    <>
      <Topbar trail={[{ label: 'Your account' }]} />
      <div className="content">
        <PageHead title="Your account" sub={user?.email} />
        <section className="card" aria-labelledby="mfa">
          <div className="card-head">
            <h2 id="mfa">Two-factor authentication</h2>
            {status.data && <span className={status.data.enabled ? 'badge accent' : 'badge'}>{status.data.enabled ? 'On' : 'Off'}</span>}
          </div>
          <div className="card-body stack">
            {recoveryCodes ? (
              <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />
            ) : status.error ? (
              <ErrorAlert error={status.error} />
            ) : !status.data ? (
              <Loading what="two-factor authentication" />
            ) : status.data.enabled ? (
              <DisableMfa codesLeft={status.data.recovery_codes_left} />
            ) : (
              <EnrolMfa onEnabled={enabled} />
            )}
          </div>
        </section>
      </div>
    </>
  );
}

/** The recovery codes of a new enrolment, shown this once. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <>
      <div className="notice" role="status">
        Two-factor authentication is on. Keep these recovery codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now.
      </div>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((recovery) => (
          <li key={recovery}>
            <code>{recovery}</code>
          </li>
        ))}
      </ul>
      <div className="row end">
        <Button variant="primary" onPress={onDone}>
          Done
        </Button>
      </div>
    </>
  );
}

/** Enrolment: a new secret shown as its otpauth URL and as text, then a first code turns it on. */
function EnrolMfa({ onEnabled }: { onEnabled: (recoveryCodes: string[]) => void }) {
  const [code, setCode] = useState('');
  const setup = useMutation({ mutationFn: () => unwrap(system.POST('/api/v1/auth/mfa/totp/setup')) });
  const enable = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/auth/mfa/totp/enable', { body: { code } })),
    onSuccess: (answer) => onEnabled(answer.recovery_codes),
  });

  if (!setup.data) {
    return (
      <>
        <p>Ask for a code from an authenticator app (1Password, Aegis, Google Authenticator, …) each time you sign in with your password.</p>
        <ErrorAlert error={setup.error} />
        <div className="row end">
          <Button variant="primary" isPending={setup.isPending} onPress={() => setup.mutate()}>
            Set up an authenticator
          </Button>
        </div>
      </>
    );
  }
  return (
    <Form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        enable.mutate();
      }}
    >
      <p>Add this account to your authenticator app with the link below (many apps open it, or turn it into a QR code), or type the secret into the app.</p>
      <div>
        <div className="hint">otpauth URL</div>
        <OneTimeSecret value={setup.data.otpauth_url} testId="otpauth-url" />
      </div>
      <div>
        <div className="hint">Secret</div>
        <OneTimeSecret value={setup.data.secret} testId="totp-secret" />
      </div>
      <TextInput label="Code from the app" value={code} onChange={setCode} isRequired autoComplete="one-time-code" />
      <ErrorAlert error={enable.error} />
      <div className="row end">
        <Button type="submit" variant="primary" isPending={enable.isPending}>
          Turn on
        </Button>
      </div>
    </Form>
  );
}

/** Turning it off, with a current code or the password. */
function DisableMfa({ codesLeft }: { codesLeft: number }) {
  const queryClient = useQueryClient();
  const [proof, setProof] = useState('');
  const [byPassword, setByPassword] = useState(false);
  const disable = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/auth/mfa/totp/disable', { body: byPassword ? { password: proof } : { code: proof } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: MFA_KEY }),
  });
  return (
    <Form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        disable.mutate();
      }}
    >
      <p>
        Sign-in asks for a code of your authenticator app. {codesLeft} recovery code{codesLeft === 1 ? '' : 's'} left.
      </p>
      <TextInput
        label={byPassword ? 'Password' : 'Code from the app'}
        type={byPassword ? 'password' : 'text'}
        value={proof}
        onChange={setProof}
        isRequired
        autoComplete={byPassword ? 'current-password' : 'one-time-code'}
      />
      <ErrorAlert error={disable.error} />
      <div className="row end">
        <Button variant="link" onPress={() => setByPassword(!byPassword)}>
          {byPassword ? 'Use a code instead' : 'Use my password instead'}
        </Button>
        <Button type="submit" variant="danger" isPending={disable.isPending}>
          Turn off
        </Button>
      </div>
    </Form>
  );
}
