import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { collectionsQuery, rowCountsQuery, workspacesQuery } from '../api/queries';
import { sessions } from '../api/session';
import { Button, SelectField } from '../components/ui';
import { rememberWorkspace } from '../lib/last-workspace';
import { applyTheme, nextTheme, storedTheme, type ThemeChoice } from '../lib/theme';

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

  useEffect(() => {
    if (ws) rememberWorkspace(ws);
  }, [ws]);

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
              options={workspaces.data.map((w) => ({ id: w.slug, label: w.name }))}
              onChange={(slug) => void navigate({ to: '/w/$ws/collections', params: { ws: slug } })}
            />
          )}
        </div>
        <nav className="nav">
          {ws && <WorkspaceNav ws={ws} />}
          <div className="nav-section">Instance</div>
          <Link to="/workspaces" activeOptions={{ exact: true }}>
            All workspaces
          </Link>
        </nav>
        <div className="sidebar-foot">
          <div className="user" title={user?.email}>
            {user?.name ?? user?.email}
            {user?.is_superadmin && <span className="badge accent" style={{ marginLeft: 6 }}>superadmin</span>}
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
      <div className="nav-section">Workspace</div>
      <Link to="/w/$ws/members" params={{ ws }}>
        Members
      </Link>
      <Link to="/w/$ws/api-keys" params={{ ws }}>
        API keys
      </Link>
      <Link to="/w/$ws/settings" params={{ ws }}>
        Settings
      </Link>
    </>
  );
}
