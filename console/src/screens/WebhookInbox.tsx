import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { deliveriesQuery, webhookQuery, type Delivery, type DeliveryAttempt } from '../api/automation';
import { system, unwrap } from '../api/system';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, OneTimeSecret, PageHead, Tags } from '../components/ui';
import { WebhookForm } from '../components/WebhookForm';

const STATUS_BADGE: Record<string, string> = { delivered: 'badge accent', failed: 'badge danger', pending: 'badge' };

/**
 * One webhook's inbox: every delivery with what was sent (headers, body) and what each attempt got back
 * (status, latency, the start of the answer); replay one or every failed one, send a test event, rotate
 * the signing secret. Pending deliveries are polled until they settle.
 */
export default function WebhookInbox() {
  const { ws, webhook: id } = useParams({ from: '/app/w/$ws/webhooks/$webhook' });
  const webhook = useQuery(webhookQuery(ws, id));
  const deliveries = useQuery({
    ...deliveriesQuery(ws, id),
    refetchInterval: (query) => (query.state.data?.some((delivery) => delivery.status === 'pending') ? 1000 : false),
  });
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['w', ws, 'webhooks', id, 'deliveries'] });
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [rotating, setRotating] = useState(false);

  const test = useMutation({ mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/webhooks/{id}/test', { params: { path: { ws, id } } })), onSuccess: refresh });
  const replayFailed = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/webhooks/{id}/deliveries/replay-failed', { params: { path: { ws, id } } })),
    onSuccess: refresh,
  });

  const list = deliveries.data ?? [];
  const shown = list.find((delivery) => delivery.id === selected) ?? list[0];
  const failed = list.filter((delivery) => delivery.status === 'failed' && delivery.event !== 'test').length;
  const name = webhook.data?.name ?? 'Webhook';
  return (
    <>
      <Topbar
        ws={ws}
        trail={[
          {
            label: 'Webhooks',
            to: (
              <Link to="/w/$ws/webhooks" params={{ ws }}>
                Webhooks
              </Link>
            ),
          },
          { label: name },
        ]}
      />
      <div className="content">
        <PageHead
          title={name}
          sub={
            webhook.data && (
              <span className="row wrap">
                <code>{webhook.data.url}</code>
                <span>on</span>
                <Tags values={webhook.data.events ?? []} />
                <span>of</span>
                {webhook.data.collections ? <Tags values={webhook.data.collections} /> : <span>every collection</span>}
                {!webhook.data.enabled && <span className="badge">disabled</span>}
              </span>
            )
          }
        >
          <Button onPress={() => setEditing(true)}>Edit</Button>
          <Button onPress={() => setRotating(true)}>Rotate secret</Button>
          <Button onPress={() => replayFailed.mutate()} isPending={replayFailed.isPending} isDisabled={failed === 0}>
            Replay failed{failed > 0 ? ` (${failed})` : ''}
          </Button>
          <Button variant="primary" onPress={() => test.mutate()} isPending={test.isPending}>
            Send test event
          </Button>
        </PageHead>
        <ErrorAlert error={webhook.error ?? deliveries.error ?? replayFailed.error ?? test.error} />
        {webhook.data?.disabled_reason && <div className="notice warn">{webhook.data.disabled_reason}</div>}
        {replayFailed.data && (
          <div className="notice" role="status">
            {replayFailed.data.replayed === 1 ? '1 failed delivery sent again.' : `${replayFailed.data.replayed} failed deliveries sent again.`}
          </div>
        )}
        {test.data && <TestResult delivery={test.data} />}
        {deliveries.isPending ? (
          <Loading what="deliveries" />
        ) : list.length === 0 ? (
          <div className="card empty">No delivery yet. Send a test event, or change an item of a watched collection.</div>
        ) : (
          <div className="inbox">
            <div className="card inbox-list">
              <table className="list" aria-label="Deliveries">
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Attempts</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((delivery) => (
                    <tr key={delivery.id} aria-current={delivery.id === shown?.id ? true : undefined} className={delivery.id === shown?.id ? 'selected' : undefined}>
                      <td>
                        <Button variant="link" onPress={() => setSelected(delivery.id!)} aria-label={`Open the ${delivery.event} delivery ${delivery.id}`}>
                          {delivery.event}
                        </Button>
                        <div className="hint">{new Date(delivery.created_at!).toLocaleString()}</div>
                      </td>
                      <td>
                        <span className={STATUS_BADGE[delivery.status ?? 'pending']}>{delivery.status}</span>
                      </td>
                      <td className="mono">{delivery.last_status_code ?? '—'}</td>
                      <td>{delivery.attempts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {shown && <DeliveryDetail ws={ws} webhook={id} delivery={shown} onReplayed={refresh} />}
          </div>
        )}
      </div>
      <WebhookForm ws={ws} webhook={editing ? (webhook.data ?? null) : null} isOpen={editing} onOpenChange={setEditing} />
      <RotateSecret ws={ws} id={id} isOpen={rotating} onOpenChange={setRotating} />
    </>
  );
}

/** What a test event got: the receiver's status and how long it took, or why nothing came back. */
function TestResult({ delivery }: { delivery: Delivery }) {
  const attempt = delivery.log?.[0];
  const ok = delivery.status === 'delivered';
  return (
    <div className={ok ? 'notice' : 'alert'} role={ok ? 'status' : 'alert'}>
      Test event {ok ? 'delivered' : 'failed'}: {attempt?.status_code != null ? `the receiver answered ${attempt.status_code}` : 'no answer'}
      {attempt ? ` in ${attempt.duration_ms} ms` : ''}
      {attempt?.error ? ` — ${attempt.error}` : ''}.
    </div>
  );
}

function DeliveryDetail({ ws, webhook, delivery, onReplayed }: { ws: string; webhook: string; delivery: Delivery; onReplayed: () => Promise<void> }) {
  const replay = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/webhooks/{id}/deliveries/{delivery}/redeliver', { params: { path: { ws, id: webhook, delivery: delivery.id! } } })),
    onSuccess: onReplayed,
  });
  const attempts = [...(delivery.log ?? [])].reverse();
  return (
    <section className="card inbox-detail" aria-label="Delivery">
      <div className="card-head">
        <h2>{delivery.event}</h2>
        <span className={STATUS_BADGE[delivery.status ?? 'pending']}>{delivery.status}</span>
        <div className="spacer" />
        <Button small onPress={() => replay.mutate()} isPending={replay.isPending || delivery.status === 'pending'}>
          Replay
        </Button>
      </div>
      <div className="card-body stack">
        <dl className="facts">
          <dt>Message id (webhook-id)</dt>
          <dd className="mono">{delivery.id}</dd>
          <dt>Attempts</dt>
          <dd>{delivery.attempts}</dd>
          {delivery.next_attempt_at && delivery.status === 'pending' && (
            <>
              <dt>Next attempt</dt>
              <dd>{new Date(delivery.next_attempt_at).toLocaleString()}</dd>
            </>
          )}
        </dl>
        <ErrorAlert error={replay.error} />
        <div>
          <h3>Request body</h3>
          <pre className="code-block" tabIndex={0}>{JSON.stringify(delivery.payload, null, 2)}</pre>
        </div>
        <div className="stack">
          <h3>Attempts, latest first</h3>
          {attempts.length === 0 && <p className="hint">Not sent yet.</p>}
          {attempts.map((attempt) => (
            <Attempt key={attempt.attempt} attempt={attempt} />
          ))}
        </div>
      </div>
    </section>
  );
}

function Attempt({ attempt }: { attempt: DeliveryAttempt }) {
  const ok = attempt.status_code != null && attempt.status_code >= 200 && attempt.status_code < 300;
  return (
    <article className="attempt" aria-label={`Attempt ${attempt.attempt}`}>
      <div className="row wrap">
        <strong>Attempt {attempt.attempt}</strong>
        <span className={ok ? 'badge accent' : 'badge danger'}>{attempt.status_code ?? 'no answer'}</span>
        <span className="hint">{attempt.duration_ms} ms</span>
        <span className="hint">{attempt.at && new Date(attempt.at).toLocaleString()}</span>
      </div>
      {attempt.error && <div className="alert">{attempt.error}</div>}
      {attempt.request_headers && (
        <details>
          <summary>Request headers</summary>
          <table className="list headers" aria-label={`Request headers of attempt ${attempt.attempt}`}>
            <tbody>
              {Object.entries(attempt.request_headers).map(([header, value]) => (
                <tr key={header}>
                  <th scope="row">{header}</th>
                  <td className="mono">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <div>
        <span className="label">Response (first KiB)</span>
        <pre className="code-block" tabIndex={0}>{attempt.response ?? '(empty)'}</pre>
      </div>
    </article>
  );
}

function RotateSecret({ ws, id, isOpen, onOpenChange }: { ws: string; id: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const rotate = useMutation({ mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/webhooks/{id}/rotate-secret', { params: { path: { ws, id } } })) });
  const close = (open: boolean) => {
    if (!open) rotate.reset();
    onOpenChange(open);
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title={rotate.data ? 'The new signing secret' : 'Rotate the signing secret?'}>
      {rotate.data?.secret ? (
        <div className="stack">
          <p>
            Copy it now: it is not shown again. The old secret signs too until {new Date(rotate.data.previous_secret_expires_at!).toLocaleString()}, so update your receiver before then.
          </p>
          <OneTimeSecret value={rotate.data.secret} testId="rotated-secret" />
          <div className="row end">
            <Button variant="primary" onPress={() => close(false)}>
              Done
            </Button>
          </div>
        </div>
      ) : (
        <div className="stack">
          <p>Cairn makes a new secret and signs with both for a day, so your receiver can switch without missing an event.</p>
          <ErrorAlert error={rotate.error} />
          <div className="row end">
            <Button onPress={() => close(false)}>Cancel</Button>
            <Button variant="primary" onPress={() => rotate.mutate()} isPending={rotate.isPending}>
              Rotate secret
            </Button>
          </div>
        </div>
      )}
    </ModalDialog>
  );
}
