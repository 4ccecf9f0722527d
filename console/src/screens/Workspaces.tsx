import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { workspacesQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, TextInput } from '../components/ui';

export default function Workspaces() {
  const workspaces = useQuery(workspacesQuery());
  const [creating, setCreating] = useState(false);
  return (
    <>
      <Topbar trail={[{ label: 'Workspaces' }]} />
      <div className="content">
        <PageHead title="Workspaces" sub="Each workspace is a tenant: its own collections, users, files and keys.">
          <Button variant="primary" onPress={() => setCreating(true)}>
            New workspace
          </Button>
        </PageHead>
        <ErrorAlert error={workspaces.error} />
        {workspaces.isPending ? (
          <Loading what="workspaces" />
        ) : workspaces.error ? null : (
          <div className="card">
            {workspaces.data?.length === 0 ? (
              <div className="empty">No workspace yet. Create the first one to start building.</div>
            ) : (
              <table className="list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Slug</th>
                    <th>Your role</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {workspaces.data?.map((ws) => (
                    <tr key={ws.id}>
                      <td>
                        <Link to="/w/$ws/collections" params={{ ws: ws.slug }}>
                          {ws.name}
                        </Link>
                      </td>
                      <td>
                        <code>{ws.slug}</code>
                      </td>
                      <td>
                        <span className="badge">{ws.role}</span>
                      </td>
                      <td>{new Date(ws.created_at).toLocaleDateString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
      </div>
      <CreateWorkspace isOpen={creating} onOpenChange={setCreating} />
    </>
  );
}

function CreateWorkspace({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/workspaces', { body: { name, ...(slug ? { slug } : {}) } })),
    onSuccess: async (ws) => {
      await queryClient.invalidateQueries({ queryKey: ['workspaces'] });
      onOpenChange(false);
      setName('');
      setSlug('');
      await navigate({ to: '/w/$ws/collections', params: { ws: ws.slug } });
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title="New workspace">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus />
        <TextInput label="Slug" value={slug} onChange={setSlug} hint="Lowercase letters, digits and dashes; made from the name when left empty." />
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create workspace
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
