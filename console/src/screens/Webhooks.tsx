import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { webhooksQuery, type Webhook } from '../api/automation';
import { system, unwrap } from '../api/system';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, PageHead, Tags } from '../components/ui';
import { WebhookForm } from '../components/WebhookForm';

/** The workspace's webhooks: what each sends where; each opens its delivery inbox. */
export default function Webhooks() {
  const { ws } = useParams({ from: '/app/w/$ws/webhooks' });
  const webhooks = useQuery(webhooksQuery(ws));
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Webhooks' }]} />
      <div className="content">
        <PageHead title="Webhooks" sub="Cairn sends a signed request to each webhook's URL when items of its collections change, and keeps every delivery.">
          <Button variant="primary" onPress={() => setEditing('new')}>
            New webhook
          </Button>
        </PageHead>
        <ErrorAlert error={webhooks.error} />
        {webhooks.isPending ? (
          <Loading what="webhooks" />
        ) : (
          !webhooks.error && (
            <div className="card">
              <ListTable
                label="Webhooks"
                rows={webhooks.data ?? []}
                rowKey={(hook) => hook.id!}
                empty="No webhook yet."
                columns={[
                  {
                    header: 'Name',
                    cell: (hook) => (
                      <Link to="/w/$ws/webhooks/$webhook" params={{ ws, webhook: hook.id! }}>
                        {hook.name}
                      </Link>
                    ),
                  },
                  { header: 'URL', cell: (hook) => <code className="url-cell">{hook.url}</code> },
                  { header: 'Events', cell: (hook) => <Tags values={hook.events ?? []} /> },
                  { header: 'Collections', cell: (hook) => (hook.collections ? <Tags values={hook.collections} /> : <span className="hint">all</span>) },
                  {
                    header: 'State',
                    cell: (hook) =>
                      hook.enabled ? (
                        <span className="badge accent">enabled</span>
                      ) : (
                        <span className="badge" title={hook.disabled_reason ?? undefined}>
                          disabled
                        </span>
                      ),
                  },
                ]}
                actions={(hook) => (
                  <>
                    <Button small variant="ghost" onPress={() => setEditing(hook)} aria-label={`Edit ${hook.name}`}>
                      Edit
                    </Button>
                    <Button small variant="ghost" onPress={() => setDeleting(hook)} aria-label={`Delete ${hook.name}`}>
                      Delete
                    </Button>
                  </>
                )}
              />
            </div>
          )
        )}
      </div>
      <WebhookForm ws={ws} webhook={editing === 'new' ? null : editing} isOpen={editing !== null} onOpenChange={(open) => !open && setEditing(null)} />
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete webhook?"
        message={`"${deleting?.name}" stops receiving events, and its deliveries are deleted with it.`}
        action="Delete"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/w/{ws}/webhooks/{id}', { params: { path: { ws, id: deleting!.id! } } }));
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'webhooks'] });
        }}
      />
    </>
  );
}
