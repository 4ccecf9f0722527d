import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { Fragment, useState } from 'react';
import { Form } from 'react-aria-components';
import { post, remove } from '../api/client';
import { appRolesQuery, collectionsQuery, policiesQuery } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { PolicyEditor } from '../components/PolicyEditor';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, TextInput } from '../components/ui';
import { grantDetail, grantOf, POLICY_ACTIONS, policyIndex, type AppRole } from '../lib/policies';

const GRANT_LABEL = { none: 'none', all: 'all', filtered: 'filtered' } as const;

/**
 * App roles and their policies: the roles (the built-in public and authenticated first), and a matrix of
 * role × collection × action whose every cell opens the policy editor for it.
 */
export default function Access() {
  const { ws } = useParams({ from: '/app/w/$ws/access' });
  const selected = useSearch({ from: '/app/w/$ws/access' });
  const navigate = useNavigate({ from: '/w/$ws/access' });
  const roles = useQuery(appRolesQuery(ws));
  const policies = useQuery(policiesQuery(ws));
  const collections = useQuery(collectionsQuery(ws));
  const [creatingRole, setCreatingRole] = useState(false);
  const [deletingRole, setDeletingRole] = useState<AppRole | null>(null);
  const queryClient = useQueryClient();
  const find = policyIndex(policies.data ?? []);
  const editing = selected.role && selected.collection && selected.action ? { role: selected.role, collection: selected.collection, action: selected.action } : null;
  const editingCollection = collections.data?.find((c) => c.collection === editing?.collection);
  const close = () => void navigate({ search: {} });

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Roles & policies' }]} />
      <div className="content">
        <PageHead title="Roles & policies" sub="App users act by their app role, anonymous callers by public. Without a policy, an action is refused.">
          <Button variant="primary" onPress={() => setCreatingRole(true)}>
            New role
          </Button>
        </PageHead>
        <ErrorAlert error={roles.error ?? policies.error ?? collections.error} />
        {editing && collections.data && !editingCollection && (
          <div className="alert" role="alert">
            There is no collection "{editing.collection}" in this workspace: pick a cell of the matrix below.
          </div>
        )}
        {roles.isPending || policies.isPending || collections.isPending ? (
          <Loading what="roles and policies" />
        ) : (
          roles.data &&
          policies.data &&
          collections.data && (
            <div className="stack">
              <section className="card" aria-labelledby="roles-heading">
                <div className="card-head">
                  <h2 id="roles-heading">App roles</h2>
                </div>
                <ListTable
                  label="App roles"
                  rows={roles.data}
                  rowKey={(role) => role.name}
                  columns={[
                    { header: 'Role', cell: (role) => <code>{role.name}</code> },
                    { header: 'Description', cell: (role) => role.description ?? <span className="hint">{roleNote(role)}</span> },
                    { header: 'Policies', cell: (role) => policies.data.filter((policy) => policy.role === role.name).length },
                  ]}
                  actions={(role) =>
                    role.built_in ? (
                      <span className="badge">built in</span>
                    ) : (
                      <Button small variant="ghost" onPress={() => setDeletingRole(role)} aria-label={`Delete role ${role.name}`}>
                        Delete
                      </Button>
                    )}
                />
              </section>
              <section className="card" aria-labelledby="matrix-heading">
                <div className="card-head">
                  <h2 id="matrix-heading">Who may do what</h2>
                  <span className="hint">Each cell: none, all rows and fields, or filtered. Open one to edit its policy.</span>
                </div>
                {collections.data.length === 0 ? (
                  <div className="empty">No collection yet: create one, then give roles access to it here.</div>
                ) : (
                  <div className="matrix-scroll">
                    <table className="list access-matrix" aria-label="Policies by role, collection and action">
                      <thead>
                        <tr>
                          <th scope="col">Role</th>
                          <th scope="col">Collection</th>
                          {POLICY_ACTIONS.map((action) => (
                            <th key={action} scope="col">
                              {action}
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {roles.data.map((role) => (
                          <Fragment key={role.name}>
                            {collections.data.map((collection, index) => (
                              <tr key={collection.collection} className={index === 0 ? 'role-first' : undefined}>
                                {index === 0 && (
                                  <th scope="rowgroup" rowSpan={collections.data.length}>
                                    <code>{role.name}</code>
                                  </th>
                                )}
                                <th scope="row">{collection.collection}</th>
                                {POLICY_ACTIONS.map((action) => {
                                  const policy = find(role.name, collection.collection, action);
                                  const grant = grantOf(policy);
                                  return (
                                    <td key={action}>
                                      <Link
                                        className={`grant grant-${grant}`}
                                        to="/w/$ws/access"
                                        params={{ ws }}
                                        search={{ role: role.name, collection: collection.collection, action }}
                                        aria-label={`${role.name} ${action} ${collection.collection}: ${GRANT_LABEL[grant]} (${grantDetail(policy)})`}
                                        title={grantDetail(policy)}
                                      >
                                        {GRANT_LABEL[grant]}
                                      </Link>
                                    </td>
                                  );
                                })}
                              </tr>
                            ))}
                          </Fragment>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            </div>
          )
        )}
      </div>
      {editing && editingCollection && policies.data && (
        <PolicyEditor
          key={`${editing.role}/${editing.collection}/${editing.action}`}
          ws={ws}
          role={editing.role}
          collection={editingCollection}
          action={editing.action}
          policy={find(editing.role, editing.collection, editing.action)}
          onClose={close}
        />
      )}
      <CreateRole ws={ws} isOpen={creatingRole} onOpenChange={setCreatingRole} />
      <ConfirmDialog
        isOpen={deletingRole !== null}
        onOpenChange={(open) => !open && setDeletingRole(null)}
        title="Delete role?"
        message={`The role "${deletingRole?.name}" and its policies are deleted. App users with it can no longer be given it; change their role first.`}
        action="Delete"
        onConfirm={async () => {
          await remove(`/w/${ws}/roles/${encodeURIComponent(deletingRole!.name)}`);
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'roles'] });
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'policies'] });
        }}
      />
    </>
  );
}

function roleNote(role: AppRole): string {
  if (role.name === 'public') return 'Anyone, without signing in.';
  if (role.name === 'authenticated') return 'Every signed-in app user without another role.';
  return 'No description.';
}

function CreateRole({ ws, isOpen, onOpenChange }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => post(`/w/${ws}/roles`, description ? { name, description } : { name }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'roles'] });
      setName('');
      setDescription('');
      onOpenChange(false);
    },
  });
  const close = (open: boolean) => {
    if (!open) create.reset();
    onOpenChange(open);
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title="New app role">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus hint="Lower-case letters, digits and _, starting with a letter: editor_app" />
        <TextInput label="Description" value={description} onChange={setDescription} />
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create role
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
