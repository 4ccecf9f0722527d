import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { appRolesQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import type { components } from '../api/schema';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';

type AppUser = components['schemas']['AppUserDto'];

const appUsersKey = (ws: string) => ['w', ws, 'app-users'];

/** The end users of the app built on the workspace: find, create, suspend, set a password, end sessions. */
export default function AppUsers() {
  const { ws } = useParams({ from: '/app/w/$ws/app-users' });
  const [search, setSearch] = useState('');
  const queryClient = useQueryClient();
  const users = useQuery({
    queryKey: [...appUsersKey(ws), search],
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/app-users', { params: { path: { ws }, query: search ? { search } : {} } })),
    placeholderData: keepPreviousData,
  });
  const roles = useQuery(appRolesQuery(ws));
  const roleOptions = (roles.data ?? []).filter((role) => role.name !== 'public').map((role) => ({ id: role.name, label: role.name }));
  const [creating, setCreating] = useState(false);
  const [settingPassword, setSettingPassword] = useState<AppUser | null>(null);
  const [viewingSessions, setViewingSessions] = useState<AppUser | null>(null);
  const [deleting, setDeleting] = useState<AppUser | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: appUsersKey(ws) });
  const update = useMutation({
    mutationFn: ({ id, ...body }: { id: string; role?: string; status?: AppUser['status'] }) => unwrap(system.PATCH('/api/v1/w/{ws}/app-users/{id}', { params: { path: { ws, id } }, body })),
    onSettled: refresh,
  });

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'App users' }]} />
      <div className="content">
        <PageHead title="App users" sub="The people who sign in to the app built on this workspace; they act through their app role's policies.">
          <Button variant="primary" onPress={() => setCreating(true)}>
            New app user
          </Button>
        </PageHead>
        <div className="row app-users-search">
          <TextInput label="Search by email" value={search} onChange={setSearch} placeholder="ann@example.com" />
        </div>
        <ErrorAlert error={users.error ?? update.error} />
        {users.isPending ? (
          <Loading what="app users" />
        ) : (
          !users.error && (
            <div className="card">
              <ListTable
                label="App users"
                rows={users.data ?? []}
                rowKey={(user) => user.id}
                empty={search ? `No app user's email contains "${search}".` : 'No app user yet. They sign up through the app, or you create one here.'}
                columns={[
                  {
                    header: 'Email',
                    cell: (user) => (
                      <>
                        <div>{user.email}</div>
                        <div className="hint">{user.email_verified ? 'Email verified' : 'Email not verified'}</div>
                      </>
                    ),
                  },
                  {
                    header: 'Role',
                    width: 200,
                    cell: (user) => (
                      <SelectField
                        hideLabel
                        label={`Role of ${user.email}`}
                        value={user.role}
                        options={roleOptions.some((option) => option.id === user.role) ? roleOptions : [...roleOptions, { id: user.role, label: user.role }]}
                        onChange={(role) => role !== user.role && update.mutate({ id: user.id, role })}
                      />
                    ),
                  },
                  { header: 'Status', cell: (user) => <span className={`badge ${user.status === 'active' ? 'accent' : 'suspended'}`}>{user.status === 'active' ? 'active' : 'disabled'}</span> },
                  { header: 'Since', cell: (user) => new Date(user.created_at).toLocaleDateString() },
                ]}
                actions={(user) => (
                  <>
                    <Button small variant="ghost" onPress={() => setViewingSessions(user)} aria-label={`Sessions of ${user.email}`}>
                      Sessions
                    </Button>
                    <Button small variant="ghost" onPress={() => setSettingPassword(user)} aria-label={`Reset password of ${user.email}`}>
                      Reset password
                    </Button>
                    <Button
                      small
                      variant="ghost"
                      onPress={() => update.mutate({ id: user.id, status: user.status === 'active' ? 'suspended' : 'active' })}
                      aria-label={`${user.status === 'active' ? 'Disable' : 'Enable'} ${user.email}`}
                    >
                      {user.status === 'active' ? 'Disable' : 'Enable'}
                    </Button>
                    <Button small variant="ghost" onPress={() => setDeleting(user)} aria-label={`Delete ${user.email}`}>
                      Delete
                    </Button>
                  </>
                )}
              />
            </div>
          )
        )}
      </div>
      <CreateAppUser ws={ws} isOpen={creating} onOpenChange={setCreating} roleOptions={roleOptions} onCreated={refresh} />
      {settingPassword && <SetPassword ws={ws} user={settingPassword} onClose={() => setSettingPassword(null)} />}
      {viewingSessions && <Sessions ws={ws} user={viewingSessions} onClose={() => setViewingSessions(null)} />}
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete app user?"
        message={`${deleting?.email} and every session of it are deleted; it can sign up again.`}
        action="Delete"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/w/{ws}/app-users/{id}', { params: { path: { ws, id: deleting!.id } } }));
          await refresh();
        }}
      />
    </>
  );
}

function CreateAppUser({ ws, isOpen, onOpenChange, roleOptions, onCreated }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void; roleOptions: { id: string; label: string }[]; onCreated: () => Promise<unknown> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('authenticated');
  const create = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/app-users', { params: { path: { ws } }, body: { email, password, role } })),
    onSuccess: async () => {
      await onCreated();
      setEmail('');
      setPassword('');
      onOpenChange(false);
    },
  });
  const close = (open: boolean) => {
    if (!open) create.reset();
    onOpenChange(open);
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title="New app user">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Email" type="email" value={email} onChange={setEmail} isRequired autoFocus autoComplete="off" />
        <TextInput label="First password" type="password" value={password} onChange={setPassword} isRequired autoComplete="new-password" hint="At least 8 characters. Tell it to them; they can change it." />
        <SelectField label="App role" value={role} options={roleOptions.length ? roleOptions : [{ id: 'authenticated', label: 'authenticated' }]} onChange={setRole} />
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create app user
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}

/** An admin sets a new password: the console's reset, which needs no mail; every session of the app user ends. */
function SetPassword({ ws, user, onClose }: { ws: string; user: AppUser; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const queryClient = useQueryClient();
  const set = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/app-users/{id}/password', { params: { path: { ws, id: user.id } }, body: { password } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: [...appUsersKey(ws), 'sessions', user.id] });
      onClose();
    },
  });
  return (
    <ModalDialog isOpen onOpenChange={(open) => !open && onClose()} title={`Reset the password of ${user.email}`}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          set.mutate();
        }}
      >
        <p className="hint">The new password takes effect at once; every session of this app user ends and it signs in again with it.</p>
        <TextInput label="New password" type="password" value={password} onChange={setPassword} isRequired autoFocus autoComplete="new-password" />
        <ErrorAlert error={set.error} />
        <div className="row end">
          <Button onPress={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={set.isPending}>
            Set password
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}

function Sessions({ ws, user, onClose }: { ws: string; user: AppUser; onClose: () => void }) {
  const queryClient = useQueryClient();
  const key = [...appUsersKey(ws), 'sessions', user.id];
  const sessions = useQuery({ queryKey: key, queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/app-users/{id}/sessions', { params: { path: { ws, id: user.id } } })) });
  const revoke = useMutation({
    mutationFn: (session: string | null) =>
      session
        ? unwrap(system.DELETE('/api/v1/w/{ws}/app-users/{id}/sessions/{session}', { params: { path: { ws, id: user.id, session } } }))
        : unwrap(system.DELETE('/api/v1/w/{ws}/app-users/{id}/sessions', { params: { path: { ws, id: user.id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <ModalDialog isOpen wide onOpenChange={(open) => !open && onClose()} title={`Sessions of ${user.email}`}>
      <div className="stack">
        <p className="hint">Each sign-in that can still refresh. A revoked session cannot refresh; the access token it holds runs out within minutes — disable the app user to stop it at once.</p>
        <ErrorAlert error={sessions.error ?? revoke.error} />
        {sessions.isPending ? (
          <Loading what="sessions" />
        ) : (
          <ListTable
            label={`Sessions of ${user.email}`}
            rows={sessions.data ?? []}
            rowKey={(session) => session.id}
            empty="No session: this app user is signed out everywhere."
            columns={[
              { header: 'Signed in', cell: (session) => new Date(session.created_at).toLocaleString() },
              { header: 'Last used', cell: (session) => new Date(session.last_used_at).toLocaleString() },
              { header: 'Expires', cell: (session) => new Date(session.expires_at).toLocaleString() },
            ]}
            actions={(session) => (
              <Button small variant="ghost" onPress={() => revoke.mutate(session.id)} aria-label={`Revoke the session signed in ${new Date(session.created_at).toLocaleString()}`}>
                Revoke
              </Button>
            )}
          />
        )}
        <div className="row end">
          <Button variant="danger" isDisabled={!sessions.data?.length} isPending={revoke.isPending} onPress={() => revoke.mutate(null)}>
            Revoke all
          </Button>
          <Button onPress={onClose}>Close</Button>
        </div>
      </div>
    </ModalDialog>
  );
}
