import { useQuery } from '@tanstack/react-query';
import { Navigate } from '@tanstack/react-router';
import { workspacesQuery } from '../api/queries';
import { ErrorAlert, Loading } from '../components/ui';
import { lastWorkspace } from '../lib/last-workspace';

/** The console's start: the workspace used last, the first one, or the list to create one. */
export default function Home() {
  const workspaces = useQuery(workspacesQuery());
  if (workspaces.error) return <div className="content"><ErrorAlert error={workspaces.error} /></div>;
  if (!workspaces.data) return <Loading what="workspaces" />;
  const last = lastWorkspace();
  const target = workspaces.data.find((ws) => ws.slug === last) ?? workspaces.data[0];
  return target ? <Navigate to="/w/$ws/collections" params={{ ws: target.slug }} replace /> : <Navigate to="/workspaces" replace />;
}
