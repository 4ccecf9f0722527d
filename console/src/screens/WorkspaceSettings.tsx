import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Form } from 'react-aria-components';
import { workspaceQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import { AssetPresets } from '../components/AssetPresets';
import { SignInRules } from '../components/SignInRules';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Topbar } from '../components/Topbar';
import { WorkspaceSso } from '../components/WorkspaceSso';
import { Button, ErrorAlert, Loading, PageHead, TextInput } from '../components/ui';
import { managesWorkspace } from '../lib/roles';

export default function WorkspaceSettings() {
  const { ws } = useParams({ from: '/app/w/$ws/settings' });
  const workspace = useQuery(workspaceQuery(ws));
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    if (workspace.data) {
      setName(workspace.data.name);
      setSlug(workspace.data.slug);
    }
  }, [workspace.data]);

  const save = useMutation({
    mutationFn: () => unwrap(system.PATCH('/api/v1/workspaces/{ws}', { params: { path: { ws } }, body: { name, slug } })),
    onSuccess: async (updated) => {
      await queryClient.invalidateQueries({ queryKey: ['workspaces'] });
      if (updated.slug !== ws) await navigate({ to: '/w/$ws/settings', params: { ws: updated.slug }, replace: true });
    },
  });

  if (workspace.error) return <div className="content"><ErrorAlert error={workspace.error} /></div>;
  if (!workspace.data) return <Loading what="the workspace" />;
  const canEdit = managesWorkspace(workspace.data.role);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Settings' }]} />
      <div className="content">
        <PageHead title="Workspace settings" sub={`Your role: ${workspace.data.role}`} />
        <section className="card" aria-labelledby="general">
          <div className="card-head">
            <h2 id="general">General</h2>
          </div>
          <Form
            className="card-body stack"
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate();
            }}
          >
            <div className="form-grid">
              <TextInput label="Name" value={name} onChange={setName} isRequired />
              <TextInput label="Slug" value={slug} onChange={setSlug} isRequired hint="The workspace's address: /api/v1/w/{slug}." />
            </div>
            <ErrorAlert error={save.error} />
            {save.isSuccess && <div className="notice" role="status">Saved.</div>}
            {canEdit && (
              <div className="row end">
                <Button type="submit" variant="primary" isPending={save.isPending}>
                  Save
                </Button>
              </div>
            )}
          </Form>
        </section>
        {canEdit && <SignInRules ws={ws} />}
        {canEdit && <AssetPresets ws={ws} />}
        {canEdit && <WorkspaceSso ws={ws} />}
        {workspace.data.role === 'owner' && (
          <section className="card" aria-labelledby="danger">
            <div className="card-head">
              <h2 id="danger">Delete this workspace</h2>
            </div>
            <div className="card-body row">
              <span>Deletes its collections and their tables, members, API keys, files and logs. This cannot be undone.</span>
              <div className="spacer" />
              <Button variant="danger" onPress={() => setDeleting(true)}>
                Delete workspace
              </Button>
            </div>
          </section>
        )}
      </div>
      <ConfirmDialog
        isOpen={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${workspace.data.name}?`}
        message="Every collection, row, file, member and key of this workspace goes with it."
        typeToConfirm={workspace.data.slug}
        action="Delete workspace"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/workspaces/{ws}', { params: { path: { ws } } }));
          // Leave its screens first, so nothing asks for the workspace that is gone.
          await navigate({ to: '/workspaces' });
          queryClient.removeQueries({ queryKey: ['w', ws] });
          queryClient.removeQueries({ queryKey: ['workspaces', ws] });
          await queryClient.invalidateQueries({ queryKey: ['workspaces'] });
        }}
      />
    </>
  );
}
