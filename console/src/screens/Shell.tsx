import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams } from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useState } from 'react';
import { collectionsQuery, rowCountsQuery, workspacesQuery } from '../api/queries';
import { sessions } from '../api/session';
import { Button, SelectField } from '../components/ui';
import { rememberWorkspace } from '../lib/last-workspace';
import { applyTheme, nextTheme, storedTheme, type ThemeChoice } from '../lib/theme';

// The palette loads on its first use, so screens that never open it do not pay for it.
const CommandPalette = lazy(() => import('../components/CommandPalette'));
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

const THEME_LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

/** The frame of every signed-in screen: workspace switcher, navigation, the user and the theme. */
export default function Shell() {
  const params = useParams({ strict: false });
  const ws = params.ws;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const workspaces = useQuery(workspacesQuery());
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme);
  const user = sessions.session?.user;

  const [paletteOpen, setPaletteOpen] = useState(false);
  const [paletteUsed, setPaletteUsed] = useState(false);

  useEffect(() => {
    if (ws) rememberWorkspace(ws);
  }, [ws]);

  // Ctrl-K (Cmd-K on a Mac) anywhere, even in a text field, as in other consoles; the browser's own use of it gives way.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'k' || event.altKey || event.shiftKey || !(isMac ? event.metaKey : event.ctrlKey)) return;
      event.preventDefault();
      setPaletteUsed(true);
      setPaletteOpen((open) => !open);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="shell">
      <aside className="sidebar" aria-label="Navigation">
        <div className="brand">
          <img src="/admin/favicon.svg" alt="" />
          Cairn Studio
        </div>
        <div style={{ padding: '12px 12px 0' }}>
          {workspaces.data && workspaces.data.length > 0 && (
            <SelectField
              label="Workspace"
              value={ws ?? ''}
              placeholder="Choose a workspace"
              options={workspaces.data.map((w) => ({ id: w.slug, label: w.name }))}
              onChange={(slug) => void navigate({ to: '/w/$ws/collections', params: { ws: slug } })}
            />
          )}
        </div>
        <div style={{ padding: '10px 12px 0' }}>
          <Button
            className="palette-button"
            onPress={() => {
              setPaletteUsed(true);
              setPaletteOpen(true);
            }}
          >
            Go to…
            <kbd aria-hidden="true">{isMac ? '⌘K' : 'Ctrl K'}</kbd>
          </Button>
        </div>
        <nav className="nav">
          {ws && <WorkspaceNav ws={ws} />}
          <div className="nav-section">Instance</div>
          <Link to="/workspaces" activeOptions={{ exact: true }}>
            All workspaces
          </Link>
          {user?.is_superadmin && <Link to="/instance">Health and accounts</Link>}
          <Link to="/account">Your account</Link>
        </nav>
        <div className="sidebar-foot">
          <div className="user" title={user?.email}>
            <span className="user-name">{user?.name ?? user?.email}</span>
            {user?.is_superadmin && <span className="badge accent">superadmin</span>}
          </div>
          <div className="row">
            <Button
              small
              onPress={() => {
                const next = nextTheme(theme);
                applyTheme(next);
                setTheme(next);
              }}
            >
              {THEME_LABEL[theme]}
            </Button>
            <Button
              small
              variant="ghost"
              onPress={() =>
                void sessions.signOut().finally(() => {
                  queryClient.clear();
                  void navigate({ to: '/sign-in', search: { redirect: undefined } });
                })
              }
            >
              Sign out
            </Button>
          </div>
        </div>
      </aside>
      <main className="main">
        <Outlet />
      </main>
      {paletteUsed && (
        <Suspense fallback={null}>
          <CommandPalette isOpen={paletteOpen} onOpenChange={setPaletteOpen} ws={ws} />
        </Suspense>
      )}
    </div>
  );
}

function WorkspaceNav({ ws }: { ws: string }) {
  const collections = useQuery(collectionsQuery(ws));
  const names = collections.data?.map((c) => c.collection) ?? [];
  const counts = useQuery({ ...rowCountsQuery(ws, names), enabled: names.length > 0 });
  return (
    <>
      <div className="nav-section">Content</div>
      <Link to="/w/$ws/collections" params={{ ws }} activeOptions={{ exact: true }}>
        Collections
      </Link>
      {collections.data?.map((c) => (
        <Link key={c.collection} to="/w/$ws/collections/$collection" params={{ ws, collection: c.collection }}>
          <span aria-hidden="true">▦</span> {c.collection}
          {counts.data?.[c.collection] != null && <span className="count">{counts.data[c.collection]!.toLocaleString()}</span>}
        </Link>
      ))}
      <Link to="/w/$ws/files" params={{ ws }} search={{ folder: undefined }} activeOptions={{ includeSearch: false }}>
        Files
      </Link>
      <Link to="/w/$ws/views" params={{ ws }}>
        Views
      </Link>
      <div className="nav-section">Automation</div>
      <Link to="/w/$ws/webhooks" params={{ ws }}>
        Webhooks
      </Link>
      <Link to="/w/$ws/flows" params={{ ws }}>
        Flows
      </Link>
      <Link to="/w/$ws/handlers" params={{ ws }}>
        Handlers
      </Link>
      <div className="nav-section">Workspace</div>
      <Link to="/w/$ws/members" params={{ ws }}>
        Members
      </Link>
      <Link to="/w/$ws/api-keys" params={{ ws }}>
        API keys
      </Link>
      <Link to="/w/$ws/activity" params={{ ws }} search={{}} activeOptions={{ includeSearch: false }}>
        Activity
      </Link>
      <Link to="/w/$ws/schema-moves" params={{ ws }}>
        Schema moves
      </Link>
      <Link to="/w/$ws/api" params={{ ws }}>
        API explorer
      </Link>
      <Link to="/w/$ws/connections" params={{ ws }}>
        Connections
      </Link>
      <Link to="/w/$ws/settings" params={{ ws }}>
        Settings
      </Link>
      <div className="nav-section">Access</div>
      <Link to="/w/$ws/app-users" params={{ ws }}>
        App users
      </Link>
      <Link to="/w/$ws/access" params={{ ws }} search={{}} activeOptions={{ includeSearch: false }}>
        Roles &amp; policies
      </Link>
    </>
  );
}
