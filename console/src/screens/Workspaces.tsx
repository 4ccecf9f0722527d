import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { templatesQuery, workspacesQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import { Topbar } from '../components/Topbar';
import { Markdown } from '../components/Markdown';
import { Button, Checkbox, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';

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

const NO_TEMPLATE = 'none';

function CreateWorkspace({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [template, setTemplate] = useState(NO_TEMPLATE);
  const [sampleData, setSampleData] = useState(true);
  /** The workspace just made from a template, whose README the dialog shows before opening it. */
  const [made, setMade] = useState<{ slug: string; readme: string; title: string } | null>(null);
  const templates = useQuery({ ...templatesQuery(), enabled: isOpen });
  const chosen = templates.data?.find((candidate) => candidate.name === template);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const close = (open: boolean) => {
    onOpenChange(open);
    if (!open) {
      setName('');
      setSlug('');
      setTemplate(NO_TEMPLATE);
      setSampleData(true);
      setMade(null);
    }
  };
  const create = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/workspaces', { body: { name, ...(slug ? { slug } : {}), ...(chosen ? { template: chosen.name, sample_data: sampleData } : {}) } })),
    onSuccess: async (ws) => {
      await queryClient.invalidateQueries({ queryKey: ['workspaces'] });
      if (chosen) {
        setMade({ slug: ws.slug, readme: chosen.readme, title: chosen.title });
        return;
      }
      close(false);
      await navigate({ to: '/w/$ws/collections', params: { ws: ws.slug } });
    },
  });
  if (made) {
    return (
      <ModalDialog isOpen={isOpen} onOpenChange={close} title={`Workspace ready: ${made.title} template`} wide>
        <div className="stack">
          <Markdown source={made.readme} label={`${made.title} template README`} />
          <div className="row end">
            <Button
              variant="primary"
              onPress={() => {
                close(false);
                void navigate({ to: '/w/$ws/collections', params: { ws: made.slug } });
              }}
            >
              Open workspace
            </Button>
          </div>
        </div>
      </ModalDialog>
    );
  }
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title="New workspace">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus />
        <TextInput label="Slug" value={slug} onChange={setSlug} hint="Lowercase letters, digits and dashes; made from the name when left empty." />
        <SelectField
          label="Template"
          value={template}
          onChange={setTemplate}
          options={[{ id: NO_TEMPLATE, label: 'None: an empty workspace' }, ...(templates.data ?? []).map((candidate) => ({ id: candidate.name, label: candidate.title }))]}
        />
        {chosen && (
          <>
            <p className="hint">{chosen.description}</p>
            <Checkbox isSelected={sampleData} onChange={setSampleData}>
              Add sample data
            </Checkbox>
          </>
        )}
        <ErrorAlert error={templates.error ?? create.error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create workspace
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
