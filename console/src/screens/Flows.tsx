import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { flowsQuery, type Flow } from '../api/automation';
import { system, unwrap } from '../api/system';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, PageHead, Tags } from '../components/ui';

/** A trigger in a few words: what starts the flow. */
export function triggerSummary(trigger: Flow['trigger']) {
  switch (trigger.type) {
    case 'event':
      return (
        <span className="row wrap">
          <span>On</span>
          <Tags values={(trigger.events as string[] | undefined) ?? ['create', 'update', 'delete']} />
          <span>of</span>
          <Tags values={(trigger.collections as string[] | undefined) ?? []} />
        </span>
      );
    case 'schedule':
      return (
        <span>
          Every <code>{String(trigger.cron)}</code> (UTC)
        </span>
      );
    default:
      return <span>When run by hand or through the API</span>;
  }
}

/** The workspace's flows: what starts each and how many steps it has; each opens its editor and runs. */
export default function Flows() {
  const { ws } = useParams({ from: '/app/w/$ws/flows' });
  const flows = useQuery(flowsQuery(ws));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<Flow | null>(null);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Flows' }]} />
      <div className="content">
        <PageHead title="Flows" sub="A trigger, then a chain of operations. Every run and each of its steps is kept.">
          <Button variant="primary" onPress={() => void navigate({ to: '/w/$ws/flows/$flow', params: { ws, flow: 'new' }, search: {} })}>
            New flow
          </Button>
        </PageHead>
        <ErrorAlert error={flows.error} />
        {flows.isPending ? (
          <Loading what="flows" />
        ) : (
          !flows.error && (
            <div className="card">
              <ListTable
                label="Flows"
                rows={flows.data ?? []}
                rowKey={(flow) => flow.id}
                empty="No flow yet."
                columns={[
                  {
                    header: 'Name',
                    cell: (flow) => (
                      <Link to="/w/$ws/flows/$flow" params={{ ws, flow: flow.id }} search={{}}>
                        {flow.name}
                      </Link>
                    ),
                  },
                  { header: 'Trigger', cell: (flow) => triggerSummary(flow.trigger) },
                  { header: 'Operations', cell: (flow) => flow.operations.length },
                  { header: 'State', cell: (flow) => (flow.enabled ? <span className="badge accent">enabled</span> : <span className="badge">disabled</span>) },
                ]}
                actions={(flow) => (
                  <span className="row end">
                    <Link to="/w/$ws/flows/$flow" params={{ ws, flow: flow.id }} search={{ tab: 'runs' }} aria-label={`Runs of ${flow.name}`}>
                      Runs
                    </Link>
                    <Button small variant="ghost" onPress={() => setDeleting(flow)} aria-label={`Delete ${flow.name}`}>
                      Delete
                    </Button>
                  </span>
                )}
              />
            </div>
          )
        )}
      </div>
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete flow?"
        message={`"${deleting?.name}" stops running, and its runs are deleted with it.`}
        action="Delete"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/w/{ws}/flows/{id}', { params: { path: { ws, id: deleting!.id } } }));
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'flows'] });
        }}
      />
    </>
  );
}
