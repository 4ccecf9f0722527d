import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Form } from 'react-aria-components';
import { system, unwrap } from '../api/system';
import { Button, Checkbox, ErrorAlert, Loading, TextInput } from './ui';

interface SsoForm {
  issuer: string;
  clientId: string;
  /** Empty: keep the stored secret. */
  clientSecret: string;
  returnUrls: string;
  enabled: boolean;
  allowSignup: boolean;
}

const EMPTY: SsoForm = { issuer: '', clientId: '', clientSecret: '', returnUrls: '', enabled: true, allowSignup: false };

/**
 * The workspace's OpenID Connect provider for its app users (`/w/{ws}/sso`). The client secret is
 * write-only: the server says whether one is stored, never what it is.
 */
export function WorkspaceSso({ ws }: { ws: string }) {
  const queryClient = useQueryClient();
  const queryKey = ['w', ws, 'sso'];
  const settings = useQuery({
    queryKey,
    // null: no provider yet.
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/sso', { params: { path: { ws } } })),
  });
  const [form, setForm] = useState<SsoForm>(EMPTY);
  useEffect(() => {
    if (settings.data === undefined) return;
    const stored = settings.data;
    setForm(stored ? { issuer: stored.issuer, clientId: stored.client_id, clientSecret: '', returnUrls: stored.return_urls.join('\n'), enabled: stored.enabled, allowSignup: stored.allow_signup } : EMPTY);
  }, [settings.data]);
  const set = <K extends keyof SsoForm>(field: K) => (value: SsoForm[K]) => setForm((current) => ({ ...current, [field]: value }));

  const save = useMutation({
    mutationFn: () =>
      unwrap(
        system.PUT('/api/v1/w/{ws}/sso', {
          params: { path: { ws } },
          body: {
            issuer: form.issuer.trim(),
            client_id: form.clientId.trim(),
            ...(form.clientSecret ? { client_secret: form.clientSecret } : {}),
            return_urls: form.returnUrls.split('\n').map((line) => line.trim()).filter(Boolean),
            enabled: form.enabled,
            allow_signup: form.allowSignup,
          },
        }),
      ),
    onSuccess: (saved) => queryClient.setQueryData(queryKey, saved),
  });
  const drop = useMutation({
    mutationFn: () => unwrap(system.DELETE('/api/v1/w/{ws}/sso', { params: { path: { ws } } })),
    onSuccess: () => queryClient.setQueryData(queryKey, null),
  });

  const stored = settings.data;
  return (
    <section className="card" aria-labelledby="sso">
      <div className="card-head">
        <h2 id="sso">Single sign-on for app users</h2>
      </div>
      <div className="card-body stack">
        <p className="hint">
          Your app&apos;s users sign in with an OpenID Connect provider. Accounts are linked by verified email only.
          {stored ? <> Register this callback at the provider: <code>{stored.redirect_url}</code>; apps start the sign-in at <code>{stored.login_url}</code>.</> : null}
        </p>
        {settings.error ? <ErrorAlert error={settings.error} /> : null}
        {settings.data === undefined && !settings.error && <Loading what="the single sign-on settings" />}
        {settings.data !== undefined && (
          <Form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate();
            }}
          >
            <div className="form-grid">
              <TextInput label="Issuer URL" type="url" value={form.issuer} onChange={set('issuer')} isRequired placeholder="https://accounts.example.com" />
              <TextInput label="Client ID" value={form.clientId} onChange={set('clientId')} isRequired />
              <TextInput
                label="Client secret"
                type="password"
                value={form.clientSecret}
                onChange={set('clientSecret')}
                autoComplete="off"
                hint={stored?.client_secret_set ? 'A secret is stored; leave this empty to keep it.' : 'Leave empty for a public client (PKCE alone).'}
              />
              <TextInput label="Return URLs" multiline value={form.returnUrls} onChange={set('returnUrls')} isRequired hint="One per line: where the sign-in may send the browser back, with a one-time sso_code." />
            </div>
            <Checkbox isSelected={form.enabled} onChange={set('enabled')}>Enabled</Checkbox>
            <Checkbox isSelected={form.allowSignup} onChange={set('allowSignup')}>Create an app user on a first sign-in</Checkbox>
            <ErrorAlert error={save.error ?? drop.error} />
            {save.isSuccess && <div className="notice" role="status">Saved.</div>}
            <div className="row end">
              {stored && (
                <Button variant="danger" onPress={() => drop.mutate()} isPending={drop.isPending}>
                  Remove single sign-on
                </Button>
              )}
              <Button type="submit" variant="primary" isPending={save.isPending}>
                Save single sign-on
              </Button>
            </div>
          </Form>
        )}
      </div>
    </section>
  );
}
