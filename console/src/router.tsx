import { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { sessions } from './api/session';
import { system, unwrap } from './api/system';
import { RouteError } from './components/RouteError';
import { validateAccessSearch } from './lib/policies';

interface RouterContext {
  queryClient: QueryClient;
}

let setupChecked: Promise<boolean> | null = null;
/** Whether the instance still has no account; asked once per page load, and again after setup. */
export function needsSetup(): Promise<boolean> {
  setupChecked ??= unwrap(system.GET('/api/v1/auth/setup')).then((state) => state.needs_setup);
  return setupChecked;
}
export function forgetSetupState(): void {
  setupChecked = null;
}

/** A path inside the console to come back to after signing in; anything else is ignored. */
export function safeRedirect(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/admin/') && !value.startsWith('/admin//') ? value : undefined;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  errorComponent: RouteError,
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  validateSearch: (search: Record<string, unknown>) => ({ token: typeof search.token === 'string' ? search.token : undefined }),
  beforeLoad: async () => {
    if (!(await needsSetup())) throw redirect({ to: '/sign-in', search: { redirect: undefined } });
  },
  component: lazyRouteComponent(() => import('./screens/Setup')),
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  // sso_code: the one-time code single sign-on brings back to this page, exchanged for the session.
  validateSearch: (search: Record<string, unknown>): { redirect?: string; sso_code?: string } => ({ redirect: safeRedirect(search.redirect), sso_code: typeof search.sso_code === 'string' ? search.sso_code : undefined }),
  beforeLoad: async () => {
    if (await needsSetup()) throw redirect({ to: '/setup', search: { token: undefined } });
  },
  component: lazyRouteComponent(() => import('./screens/SignIn')),
});

/** Where a mailed sign-in link leads (`?token=`). */
const magicLinkRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/magic-link',
  validateSearch: (search: Record<string, unknown>) => ({ token: typeof search.token === 'string' ? search.token : undefined }),
  component: lazyRouteComponent(() => import('./screens/MagicLink')),
});

/** Every screen behind sign-in: an expired or missing session goes to sign-in and comes back after. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ location }) => {
    if (await needsSetup()) throw redirect({ to: '/setup', search: { token: undefined } });
    const session = await sessions.restore();
    // publicHref is the address in the browser, /admin included, which sign-in pushes back onto history.
    if (!session) throw redirect({ to: '/sign-in', search: { redirect: safeRedirect(location.publicHref) } });
    return { session };
  },
  component: lazyRouteComponent(() => import('./screens/Shell')),
});

const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  component: lazyRouteComponent(() => import('./screens/Home')),
});

const workspacesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/workspaces',
  component: lazyRouteComponent(() => import('./screens/Workspaces')),
});

export const workspaceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/w/$ws',
});

const workspaceHomeRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/',
  beforeLoad: ({ params }) => {
    throw redirect({ to: '/w/$ws/collections', params });
  },
});

const collectionsRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/collections',
  component: lazyRouteComponent(() => import('./screens/Collections')),
});

/** The explorer keeps its sort, filter and search in the address, so a view can be shared and reloaded. */
export const explorerRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/collections/$collection',
  validateSearch: (search: Record<string, unknown>): { sort?: string; filter?: string; q?: string; as?: string } => ({
    sort: typeof search.sort === 'string' && search.sort ? search.sort : undefined,
    filter: typeof search.filter === 'string' && search.filter ? search.filter : typeof search.filter === 'object' && search.filter ? JSON.stringify(search.filter) : undefined,
    q: typeof search.q === 'string' && search.q ? search.q : undefined,
    // "View as": the principal the grid is shown as (see lib/view-as.ts).
    as: typeof search.as === 'string' && search.as ? search.as : undefined,
  }),
  component: lazyRouteComponent(() => import('./screens/Explorer')),
});

const schemaRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/collections/$collection/schema',
  component: lazyRouteComponent(() => import('./screens/CollectionSchema')),
});

const membersRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/members',
  component: lazyRouteComponent(() => import('./screens/Members')),
});

const apiKeysRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/api-keys',
  component: lazyRouteComponent(() => import('./screens/ApiKeys')),
});

const settingsRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/settings',
  component: lazyRouteComponent(() => import('./screens/WorkspaceSettings')),
});

const appUsersRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/app-users',
  component: lazyRouteComponent(() => import('./screens/AppUsers')),
});

/** Roles and policies; the policy being edited (a cell of the matrix) is in the address. */
const accessRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/access',
  validateSearch: validateAccessSearch,
  component: lazyRouteComponent(() => import('./screens/Access')),
});

/** The files library; the folder open is in the address, so it can be shared and reloaded. */
const filesRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/files',
  validateSearch: (search: Record<string, unknown>): { folder?: string } => ({
    folder: typeof search.folder === 'string' && search.folder ? search.folder : undefined,
  }),
  component: lazyRouteComponent(() => import('./screens/Files')),
});

const webhooksRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/webhooks',
  component: lazyRouteComponent(() => import('./screens/Webhooks')),
});

const webhookInboxRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/webhooks/$webhook',
  component: lazyRouteComponent(() => import('./screens/WebhookInbox')),
});

const flowsRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/flows',
  component: lazyRouteComponent(() => import('./screens/Flows')),
});

/** A flow's editor and its runs; the tab and the run open are in the address, so a failed run can be linked. */
const flowRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/flows/$flow',
  validateSearch: (search: Record<string, unknown>): { tab?: 'editor' | 'runs'; run?: string } => ({
    tab: search.tab === 'runs' || search.tab === 'editor' ? search.tab : undefined,
    run: typeof search.run === 'string' && search.run ? search.run : undefined,
  }),
  component: lazyRouteComponent(() => import('./screens/FlowDetail')),
});

const handlersRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/handlers',
  component: lazyRouteComponent(() => import('./screens/Handlers')),
});

const handlerRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/handlers/$id',
  component: lazyRouteComponent(() => import('./screens/HandlerEditor')),
});

const viewsRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/views',
  component: lazyRouteComponent(() => import('./screens/Views')),
});

/** The activity log; its filters are in the address, so a search can be shared and reloaded. */
export const activityRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/activity',
  validateSearch: (search: Record<string, unknown>): { who?: string; action?: string; collection?: string; since?: string; until?: string } => {
    const text = (key: string) => (typeof search[key] === 'string' && search[key] ? (search[key] as string) : undefined);
    return { who: text('who'), action: text('action'), collection: text('collection'), since: text('since'), until: text('until') };
  },
  component: lazyRouteComponent(() => import('./screens/Activity')),
});

const schemaMovesRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/schema-moves',
  component: lazyRouteComponent(() => import('./screens/SchemaMoves')),
});

const connectionsRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/connections',
  component: lazyRouteComponent(() => import('./screens/Connections')),
});

const apiExplorerRoute = createRoute({
  getParentRoute: () => workspaceRoute,
  path: '/api',
  component: lazyRouteComponent(() => import('./screens/ApiExplorer')),
});

/** The signed-in account's own settings: two-factor authentication. */
const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/account',
  component: lazyRouteComponent(() => import('./screens/Account')),
});

/** The instance's health, settings and accounts; the screen itself tells others it is the superadmin's. */
const instanceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/instance',
  component: lazyRouteComponent(() => import('./screens/Instance')),
});

const routeTree = rootRoute.addChildren([
  setupRoute,
  signInRoute,
  magicLinkRoute,
  appRoute.addChildren([
    homeRoute,
    workspacesRoute,
    instanceRoute,
    accountRoute,
    workspaceRoute.addChildren([workspaceHomeRoute, collectionsRoute, explorerRoute, schemaRoute, filesRoute, viewsRoute, webhooksRoute, webhookInboxRoute, flowsRoute, flowRoute, handlersRoute, handlerRoute, membersRoute, apiKeysRoute, appUsersRoute, accessRoute, settingsRoute, activityRoute, schemaMovesRoute, connectionsRoute, apiExplorerRoute]),
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: '/admin',
    context: { queryClient },
    defaultPreload: 'intent',
    defaultNotFoundComponent: () => (
      <div className="content">
        <h1>Not found</h1>
        <p>
          The console has no page at this address. <a href="/admin/">Go to the start</a>.
        </p>
      </div>
    ),
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
