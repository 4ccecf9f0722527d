import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { system, unwrap } from '../api/system';
import { apiKeysQuery } from '../api/queries';
import { WORKSPACE_ROLES, type ApiKey, type WorkspaceRole } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, OneTimeSecret, PageHead, SelectField, TextInput } from '../components/ui';

export default function ApiKeys() {
  const { ws } = useParams({ from: '/app/w/$ws/api-keys' });
  const keys = useQuery(apiKeysQuery(ws));
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'API keys' }]} />
      <div className="content">
        <PageHead title="API keys" sub="A key acts with its role, in this workspace only. Send it as Authorization: Bearer <key>.">
          <Button variant="primary" onPress={() => setCreating(true)}>
            New API key
          </Button>
        </PageHead>
        <ErrorAlert error={keys.error} />
        {keys.isPending ? (
          <Loading what="API keys" />
        ) : (
          !keys.error && (
            <div className="card">
              <ListTable
                label="API keys"
                rows={keys.data ?? []}
                rowKey={(key) => key.id}
                empty="No API key yet."
                columns={[
                  { header: 'Name', cell: (key) => key.name },
                  { header: 'Key', cell: (key) => <code>{key.prefix}…</code> },
                  { header: 'Role', cell: (key) => <span className="badge">{key.role}</span> },
                  { header: 'Created', cell: (key) => new Date(key.created_at).toLocaleString() },
                ]}
                actions={(key) => (
                  <Button small variant="ghost" onPress={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </Button>
                )}
              />
            </div>
          )
        )}
      </div>
      <CreateKey ws={ws} isOpen={creating} onOpenChange={setCreating} />
      <ConfirmDialog
        isOpen={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Revoke API key?"
        message={`Clients using "${revoking?.name}" stop working on their next request.`}
        action="Revoke"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/workspaces/{ws}/api-keys/{id}', { params: { path: { ws, id: revoking!.id } } }));
          await queryClient.invalidateQueries({ queryKey: ['workspaces', ws, 'api-keys'] });
        }}
      />
    </>
  );
}

function CreateKey({ ws, isOpen, onOpenChange }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/workspaces/{ws}/api-keys', { params: { path: { ws } }, body: { name, role } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['workspaces', ws, 'api-keys'] }),
  });
  const close = (open: boolean) => {
    if (!open) {
      create.reset();
      setName('');
    }
    onOpenChange(open);
  };
  const key = create.data?.key;
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title={key ? 'Your new API key' : 'New API key'}>
      {key ? (
        <div className="stack">
          <p>Copy it now: Cairn keeps only its hash and will not show it again.</p>
          <OneTimeSecret value={key} testId="new-api-key" />
          <div className="row end">
            <Button variant="primary" onPress={() => close(false)}>
              Done
            </Button>
          </div>
        </div>
      ) : (
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus hint="Say who uses it, e.g. the website's server." />
          <SelectField label="Role" value={role} options={WORKSPACE_ROLES.map((r) => ({ id: r, label: r }))} onChange={(value) => setRole(value as WorkspaceRole)} />
          <ErrorAlert error={create.error} />
          <div className="row end">
            <Button onPress={() => close(false)}>Cancel</Button>
            <Button type="submit" variant="primary" isPending={create.isPending}>
              Create key
            </Button>
          </div>
        </Form>
      )}
    </ModalDialog>
  );
}
