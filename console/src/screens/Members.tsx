import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { system, unwrap } from '../api/system';
import { membersQuery, workspaceQuery } from '../api/queries';
import { WORKSPACE_ROLES, type Member, type WorkspaceRole } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { managesWorkspace } from '../lib/roles';

const roleOptions = WORKSPACE_ROLES.map((role) => ({ id: role, label: role }));

export default function Members() {
  const { ws } = useParams({ from: '/app/w/$ws/members' });
  const workspace = useQuery(workspaceQuery(ws));
  const members = useQuery(membersQuery(ws));
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const manage = managesWorkspace(workspace.data?.role);
  const changeRole = useMutation({
    mutationFn: ({ id, role }: { id: string; role: WorkspaceRole }) => unwrap(system.PATCH('/api/v1/workspaces/{ws}/members/{id}', { params: { path: { ws, id } }, body: { role } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['workspaces', ws, 'members'] }),
  });

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Members' }]} />
      <div className="content">
        <PageHead title="Members" sub="Owners do everything; admins manage schema and members; editors write items; viewers read.">
          {manage && (
            <Button variant="primary" onPress={() => setAdding(true)}>
              Add member
            </Button>
          )}
        </PageHead>
        <ErrorAlert error={members.error ?? changeRole.error} />
        {members.isPending ? (
          <Loading what="members" />
        ) : members.error ? null : (
          <div className="card">
            <ListTable
              label="Members"
              rows={members.data ?? []}
              rowKey={(member) => member.id}
              columns={[
                {
                  header: 'Account',
                  cell: (member) => (
                    <>
                      <div>{member.name ?? member.email}</div>
                      {member.name && <div className="hint">{member.email}</div>}
                    </>
                  ),
                },
                {
                  header: 'Role',
                  width: 180,
                  cell: (member) =>
                    manage ? (
                      <SelectField
                        hideLabel
                        label={`Role of ${member.email}`}
                        value={member.role}
                        options={roleOptions}
                        onChange={(role) => changeRole.mutate({ id: member.id, role: role as WorkspaceRole })}
                      />
                    ) : (
                      <span className="badge">{member.role}</span>
                    ),
                },
                { header: 'Since', cell: (member) => new Date(member.created_at).toLocaleDateString() },
              ]}
              actions={(member) =>
                manage && (
                  <Button small variant="ghost" onPress={() => setRemoving(member)} aria-label={`Remove ${member.email}`}>
                    Remove
                  </Button>
                )}
            />
          </div>
        )}
      </div>
      <AddMember ws={ws} isOpen={adding} onOpenChange={setAdding} />
      <ConfirmDialog
        isOpen={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title="Remove member?"
        message={`${removing?.email} loses access to this workspace.`}
        action="Remove"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/workspaces/{ws}/members/{id}', { params: { path: { ws, id: removing!.id } } }));
          await queryClient.invalidateQueries({ queryKey: ['workspaces', ws, 'members'] });
        }}
      />
    </>
  );
}

function AddMember({ ws, isOpen, onOpenChange }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/workspaces/{ws}/members', { params: { path: { ws } }, body: { email, role } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['workspaces', ws, 'members'] });
      setEmail('');
      onOpenChange(false);
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title="Add member">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <TextInput label="Email of an existing account" type="email" value={email} onChange={setEmail} isRequired autoFocus />
        <SelectField label="Role" value={role} options={roleOptions} onChange={(value) => setRole(value as WorkspaceRole)} />
        <ErrorAlert error={add.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={add.isPending}>
            Add member
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
