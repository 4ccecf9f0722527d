import { useMutation } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form, Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { errorFromBody } from '../api/errors';
import { sessions } from '../api/session';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, PageHead, SelectField, TextInput } from '../components/ui';
import { explorerAddress, type ExplorerTool } from '../lib/explorer';

/** Whose credential the explorer sends. */
type SendAs = 'me' | 'api-key' | 'app-user' | 'anonymous';

const SEND_AS_OPTIONS = [
  { id: 'me', label: 'Me (my signed-in account)' },
  { id: 'api-key', label: 'An API key' },
  { id: 'app-user', label: 'An app user' },
  { id: 'anonymous', label: 'Nobody (the public role)' },
];

/** The principal the pages send as: a label for the screen and the token they put in Authorization. */
interface Principal {
  label: string;
  token: string | null;
}

/** Signs an app user in through the workspace's app auth API, without the console's own credential. */
async function signInAppUser(ws: string, email: string, password: string): Promise<string> {
  const response = await fetch(`/api/v1/w/${encodeURIComponent(ws)}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    credentials: 'omit',
  });
  const body = (await response.json().catch(() => null)) as { data?: { access_token?: string } } | null;
  if (!response.ok || !body?.data?.access_token) throw errorFromBody(response.status, body);
  return body.data.access_token;
}

/**
 * The workspace's Swagger UI and GraphiQL, Cairn's own pages in a frame, sending as a chosen principal:
 * the signed-in account, an API key, an app user (signed in here through the app auth API) or nobody.
 * Requests go from the frame to the API with that credential, so what they answer is what that
 * principal gets.
 */
export default function ApiExplorer() {
  const { ws } = useParams({ from: '/app/w/$ws/api' });
  const me = () => ({ label: `me (${sessions.session?.user.email ?? 'signed in'})`, token: sessions.session?.accessToken ?? null });
  const [principal, setPrincipal] = useState<Principal>(me);
  const [mode, setMode] = useState<SendAs>('me');
  const [apiKey, setApiKey] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tool, setTool] = useState<ExplorerTool>('rest');
  // Each new principal loads the pages anew: they read the token once, when they start.
  const [loads, setLoads] = useState(0);
  const use = (next: Principal) => {
    setPrincipal(next);
    setLoads((n) => n + 1);
  };
  const appUser = useMutation({
    mutationFn: () => signInAppUser(ws, email.trim(), password),
    onSuccess: (token) => {
      use({ label: `app user ${email.trim()}`, token });
      setPassword('');
    },
  });
  const apply = () => {
    if (mode === 'me') use(me());
    else if (mode === 'anonymous') use({ label: 'nobody (public role)', token: null });
    else if (mode === 'api-key') use({ label: `API key ${apiKey.trim().slice(0, 10)}…`, token: apiKey.trim() });
    else appUser.mutate();
  };
  const address = explorerAddress(ws, tool, principal.token);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'API explorer' }]} />
      <div className="content explorer-api">
        <PageHead title="API explorer" sub="The workspace's REST API in Swagger UI and its GraphQL API in GraphiQL, served by Cairn, sending as the principal you choose." />
        <Form
          className="card card-body send-as"
          aria-label="Send as"
          onSubmit={(event) => {
            event.preventDefault();
            apply();
          }}
        >
          <SelectField label="Send as" value={mode} options={SEND_AS_OPTIONS} onChange={(value) => setMode(value as SendAs)} />
          {mode === 'api-key' && (
            <TextInput
              label="API key"
              type="password"
              value={apiKey}
              onChange={setApiKey}
              isRequired
              autoComplete="off"
              className="grow"
              hint="Paste a key of this workspace."
            />
          )}
          {mode === 'api-key' && (
            <Link to="/w/$ws/api-keys" params={{ ws }} className="send-as-link">
              Create a key
            </Link>
          )}
          {mode === 'app-user' && (
            <>
              <TextInput label="App user email" type="email" value={email} onChange={setEmail} isRequired autoComplete="off" />
              <TextInput label="App user password" type="password" value={password} onChange={setPassword} isRequired autoComplete="off" />
            </>
          )}
          <Button type="submit" variant="primary" isPending={appUser.isPending}>
            {mode === 'app-user' ? 'Sign in and send as' : 'Send as'}
          </Button>
        </Form>
        <ErrorAlert error={appUser.error} />
        <div className="row">
          <span role="status">
            Sending as <strong>{principal.label}</strong>
          </span>
          <div className="spacer" />
          <a href={address} target="_blank" rel="noopener noreferrer">
            Open in a new tab
          </a>
        </div>
        <Tabs className="tabs" selectedKey={tool} onSelectionChange={(key) => setTool(key as ExplorerTool)}>
          <TabList aria-label="API" className="tab-list">
            <Tab id="rest" className="tab">
              REST (Swagger UI)
            </Tab>
            <Tab id="graphql" className="tab">
              GraphQL (GraphiQL)
            </Tab>
          </TabList>
          <TabPanel id="rest" className="tab-panel">
            <iframe key={`rest-${loads}`} className="explorer-frame" title="Swagger UI of the workspace's REST API" src={explorerAddress(ws, 'rest', principal.token)} />
          </TabPanel>
          <TabPanel id="graphql" className="tab-panel">
            <iframe key={`graphql-${loads}`} className="explorer-frame" title="GraphiQL for the workspace's GraphQL API" src={explorerAddress(ws, 'graphql', principal.token)} />
          </TabPanel>
        </Tabs>
      </div>
    </>
  );
}
