import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { sessions } from '../api/session';
import { system, unwrap } from '../api/system';
import type { User } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, PageHead } from '../components/ui';
import { formatBytes, formatDuration, type HealthReport } from '../lib/health';

/**
 * The health report, read as it is whatever the status: a 503 carries the same report, saying which
 * dependency is down. The route is public; nothing here needs the session.
 */
async function readHealth(): Promise<HealthReport> {
  const response = await fetch('/api/v1/health', { headers: { accept: 'application/json' } });
  return (await response.json()) as HealthReport;
}

/** The instance, for its superadmin: health, settings and every platform account. */
export default function Instance() {
  const user = sessions.session?.user;
  if (!user?.is_superadmin) {
    return (
      <>
        <Topbar trail={[{ label: 'Instance' }]} />
        <div className="content">
          <PageHead title="Instance" />
          <div className="empty">Only the instance's superadmin sees its settings and accounts.</div>
        </div>
      </>
    );
  }
  return (
    <>
      <Topbar trail={[{ label: 'Instance' }]} />
      <div className="content">
        <PageHead title="Instance" sub="This Cairn server: its health, its settings and its accounts." />
        <Health />
        <Settings />
        <Accounts me={user.id} />
      </div>
    </>
  );
}

function Health() {
  const health = useQuery({ queryKey: ['instance', 'health'], queryFn: readHealth, refetchInterval: 15_000 });
  const info = health.data?.info;
  const statusBadge = (status: string | undefined) => <span className={`badge status-${status ?? 'unknown'}`}>{status ?? 'unknown'}</span>;
  return (
    <section className="card" aria-labelledby="instance-health">
      <div className="card-head">
        <h2 id="instance-health">Health</h2>
        <div className="spacer" />
        {health.data && (
          <span className={`badge status-${health.data.status === 'ok' ? 'up' : 'down'}`}>{health.data.status === 'ok' ? 'all required services up' : 'a required service is down'}</span>
        )}
      </div>
      <div className="card-body">
        <ErrorAlert error={health.error} />
        {health.isPending ? (
          <Loading what="health" />
        ) : (
          info && (
            <dl className="facts">
              <dt>Version</dt>
              <dd data-testid="instance-version">{String(info.application?.version ?? 'unknown')}</dd>
              <dt>Database</dt>
              <dd>
                {String(info.application?.database ?? 'unknown')} {statusBadge(info.database?.status)}
                {typeof info.database?.responseTime === 'number' && <span className="hint"> answered in {info.database.responseTime} ms</span>}
                {typeof info.database?.message === 'string' && <span className="hint"> {info.database.message}</span>}
              </dd>
              <dt>Redis</dt>
              <dd>
                {statusBadge(info.redis?.status)}
                {info.redis?.status === 'disabled' && <span className="hint"> not configured (REDIS_URL): one instance, events in process</span>}
                {typeof info.redis?.message === 'string' && <span className="hint"> {info.redis.message}</span>}
              </dd>
              <dt>Up for</dt>
              <dd>{typeof info.application?.uptime === 'number' ? formatDuration(info.application.uptime) : 'unknown'}</dd>
              <dt>Memory</dt>
              <dd>
                {typeof info.memory_rss?.used === 'number' ? `${formatBytes(info.memory_rss.used)} resident` : 'unknown'}
                {typeof info.memory_heap?.used === 'number' && typeof info.memory_heap.total === 'number' && `, heap ${formatBytes(info.memory_heap.used)} of ${formatBytes(info.memory_heap.total)}`}
              </dd>
              <dt>Storage</dt>
              <dd>
                {typeof info.storage?.free === 'number' && typeof info.storage.total === 'number' ? `${formatBytes(info.storage.free)} free of ${formatBytes(info.storage.total)}` : statusBadge(info.storage?.status)}
              </dd>
              <dt>System</dt>
              <dd>
                {typeof info.system?.cpus === 'number' ? `${info.system.cpus} CPUs` : ''}
                {Array.isArray(info.system?.load_average) && `, load ${(info.system.load_average as number[]).map((n) => n.toFixed(2)).join(' ')}`}
              </dd>
            </dl>
          )
        )}
      </div>
    </section>
  );
}

/** Instance settings: the environment's default, and the superadmin's choice stored over it (or reset). */
function Settings() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['instance', 'settings'], queryFn: () => unwrap(system.GET('/api/v1/instance/settings')) });
  const update = useMutation({
    mutationFn: (value: boolean | null) => unwrap(system.PATCH('/api/v1/instance/settings', { body: { self_registration: value } })),
    onSuccess: (data) => queryClient.setQueryData(['instance', 'settings'], data),
  });
  return (
    <section className="card" aria-labelledby="instance-settings">
      <div className="card-head">
        <h2 id="instance-settings">Settings</h2>
      </div>
      <div className="card-body stack">
        <p className="hint">Each has a default set by an environment variable, read when Cairn starts; a value chosen here is stored in the database and holds for every instance of this server until reset.</p>
        <ErrorAlert error={settings.error ?? update.error} />
        {settings.isPending ? (
          <Loading what="settings" />
        ) : (
          settings.data && (
            <ListTable
              label="Instance settings"
              rows={settings.data}
              rowKey={(s) => s.key}
              columns={[
                { header: 'Setting', cell: (s) => <strong className="nowrap">{s.key.replace(/_/g, '-')}</strong> },
                {
                  header: 'Value',
                  cell: (s) => (
                    <Checkbox isSelected={s.value} onChange={(on) => update.mutate(on)}>
                      <span className="sr-only">{s.key.replace(/_/g, '-')} </span>
                      {s.value ? 'on' : 'off'}
                    </Checkbox>
                  ),
                },
                {
                  header: 'Set by',
                  cell: (s) =>
                    s.overridden ? (
                      <span className="stack tight">
                        <span>this screen{s.updated_at && <span className="hint">, {new Date(s.updated_at).toLocaleString()}</span>}</span>
                        <span className="hint">
                          default <code>{s.variable}</code> = {String(s.default)}
                        </span>
                      </span>
                    ) : (
                      <code>{s.variable}</code>
                    ),
                },
                { header: 'What it does', className: 'hint', cell: (s) => s.description },
              ]}
              actions={(s) =>
                s.overridden && (
                  <Button small variant="ghost" onPress={() => update.mutate(null)} isPending={update.isPending} aria-label={`Reset to default: ${s.key.replace(/_/g, '-')}`}>
                    Reset to default
                  </Button>
                )
              }
            />
          )
        )}
      </div>
    </section>
  );
}

function Accounts({ me }: { me: string }) {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['instance', 'users'], queryFn: () => unwrap(system.GET('/api/v1/users')) });
  const [deleting, setDeleting] = useState<User | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['instance', 'users'] });
  const setStatus = useMutation({
    mutationFn: ({ id, status }: { id: string; status: 'active' | 'disabled' }) => unwrap(system.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: { status } })),
    onSuccess: refresh,
  });
  return (
    <section className="card" aria-labelledby="instance-accounts">
      <div className="card-head">
        <h2 id="instance-accounts">Platform accounts</h2>
        <div className="spacer" />
        {users.data && <span className="hint">{users.data.length} accounts</span>}
      </div>
      <ErrorAlert error={users.error ?? setStatus.error} />
      {users.isPending ? (
        <Loading what="accounts" />
      ) : (
        users.data && (
          <ListTable
            label="Platform accounts"
            rows={users.data}
            rowKey={(u) => u.id}
            columns={[
              { header: 'Email', cell: (u) => u.email },
              { header: 'Name', cell: (u) => u.name ?? <span className="hint">none</span> },
              {
                header: 'Status',
                cell: (u) => (
                  <span className="row" style={{ gap: 4 }}>
                    <span className={`badge status-${u.status === 'active' ? 'up' : 'down'}`}>{u.status}</span>
                    {u.is_superadmin && <span className="badge accent">superadmin</span>}
                  </span>
                ),
              },
              { header: 'Created', className: 'hint', cell: (u) => new Date(u.created_at).toLocaleString() },
            ]}
            actions={(u) =>
              u.id === me ? (
                <span className="hint">you</span>
              ) : (
                <>
                  <Button
                    small
                    onPress={() => setStatus.mutate({ id: u.id, status: u.status === 'active' ? 'disabled' : 'active' })}
                    isPending={setStatus.isPending && setStatus.variables?.id === u.id}
                    aria-label={`${u.status === 'active' ? 'Disable' : 'Enable'} ${u.email}`}
                  >
                    {u.status === 'active' ? 'Disable' : 'Enable'}
                  </Button>
                  <Button small variant="ghost" onPress={() => setDeleting(u)} aria-label={`Delete ${u.email}`}>
                    Delete
                  </Button>
                </>
              )
            }
          />
        )
      )}
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete account?"
        message={`${deleting?.email} loses every membership and session at once. Refused while it is the last owner of a workspace.`}
        action="Delete account"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/users/{id}', { params: { path: { id: deleting!.id } } }));
          await refresh();
        }}
      />
    </section>
  );
}
