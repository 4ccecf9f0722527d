import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { get, post } from '../api/client';
import { workspacesQuery } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useActorName } from '../components/History';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, PageHead, SelectField } from '../components/ui';
import { managesWorkspace } from '../lib/roles';
import { describeStep, lossesOf, needsForce, type PlanStep } from '../lib/snapshot';

type Snapshot = Record<string, unknown>;

/** A snapshot on its way to a workspace: where it comes from, and the workspace it would change. */
interface Move {
  snapshot: Snapshot;
  origin: string;
  target: string;
  /** Tells two moves of the same snapshot apart, so a new plan is asked for each. */
  serial: number;
}

interface Migration {
  version: number;
  action: string;
  detail: Record<string, unknown> | null;
  actor_type: string;
  actor_id: string | null;
  created_at: string;
}

/** Saves a JSON document as a file the browser downloads. */
function downloadJson(name: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Moves a schema between workspaces: download this one's snapshot, or bring one in (a file, or this
 * workspace's copied to another the user administers), always through its plan first — each step, what
 * it would lose and what depends on it — then apply; and the history of every schema change.
 */
export default function SchemaMoves() {
  const { ws } = useParams({ from: '/app/w/$ws/schema-moves' });
  const workspaces = useQuery(workspacesQuery());
  const [move, setMove] = useState<Move | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [copyTarget, setCopyTarget] = useState('');
  const fileInput = useId();
  const download = useMutation({ mutationFn: async () => downloadJson(`${ws}-snapshot.json`, await get<Snapshot>(`/w/${ws}/schema/snapshot`)) });
  const copy = useMutation({
    mutationFn: async () => setMove({ snapshot: await get<Snapshot>(`/w/${ws}/schema/snapshot`), origin: `the workspace ${ws}`, target: copyTarget, serial: Date.now() }),
  });
  const targets = (workspaces.data ?? []).filter((w) => w.slug !== ws && managesWorkspace(w.role));

  const readFile = async (file: File | null) => {
    setFileError(null);
    if (!file) return;
    try {
      const snapshot = JSON.parse(await file.text()) as unknown;
      if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) throw new Error();
      setMove({ snapshot: snapshot as Snapshot, origin: `the file ${file.name}`, target: ws, serial: Date.now() });
    } catch {
      setFileError(`${file.name} is not a snapshot: it should be the JSON document a snapshot download gives.`);
    }
  };

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Schema moves' }]} />
      <div className="content">
        <PageHead title="Schema moves" sub="A snapshot is the workspace's collections, fields, relations and indexes with its roles, policies, handlers, flows, webhooks and views — no items, no secrets." />
        <div className="moves-grid">
          <section className="card card-body stack" aria-labelledby="download-head">
            <h2 id="download-head">Download a snapshot</h2>
            <p className="hint">The schema and setup of {ws}, as one JSON file to keep in version control or apply elsewhere.</p>
            <ErrorAlert error={download.error} />
            <div className="row">
              <Button onPress={() => download.mutate()} isPending={download.isPending}>
                Download snapshot
              </Button>
            </div>
          </section>
          <section className="card card-body stack" aria-labelledby="upload-head">
            <h2 id="upload-head">Apply a snapshot here</h2>
            <div className="field">
              <label htmlFor={fileInput}>Snapshot file (JSON)</label>
              <input id={fileInput} type="file" accept=".json,application/json" onChange={(event) => void readFile(event.target.files?.[0] ?? null)} />
              <span className="hint">You see every step and what it would lose before anything changes.</span>
            </div>
            {fileError && <ErrorAlert error={new Error(fileError)} />}
          </section>
          <section className="card card-body stack" aria-labelledby="copy-head">
            <h2 id="copy-head">Copy to another workspace</h2>
            {targets.length === 0 ? (
              <p className="hint">You administer no other workspace to copy this one&apos;s schema to.</p>
            ) : (
              <>
                <SelectField label="Target workspace" value={copyTarget} placeholder="Choose a workspace" options={targets.map((w) => ({ id: w.slug, label: `${w.name} (${w.slug})` }))} onChange={setCopyTarget} />
                <ErrorAlert error={copy.error} />
                <div className="row">
                  <Button onPress={() => copy.mutate()} isDisabled={!copyTarget} isPending={copy.isPending}>
                    Plan the copy
                  </Button>
                </div>
              </>
            )}
          </section>
        </div>
        {move && <PlanReview key={move.serial} move={move} onCancel={() => setMove(null)} />}
        <Migrations ws={ws} />
      </div>
    </>
  );
}

/** The plan of a move, step by step with what each would lose; applied only after it is read and confirmed. */
function PlanReview({ move, onCancel }: { move: Move; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const { snapshot, target } = move;
  const plan = useQuery({
    queryKey: ['w', target, 'schema-plan', move.serial],
    queryFn: () => post<PlanStep[]>(`/w/${target}/schema/diff`, { snapshot, impact: true }),
    staleTime: Infinity,
    retry: false,
  });
  const [force, setForce] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [applied, setApplied] = useState<PlanStep[] | null>(null);
  const forced = (plan.data ?? []).filter(needsForce);
  const losing = (plan.data ?? []).filter((step) => lossesOf(step).length > 0);
  return (
    <section className="card plan-review" aria-labelledby="plan-head">
      <div className="card-head">
        <h2 id="plan-head">
          Plan: {move.origin} → {target}
        </h2>
        <div className="spacer" />
        <Button small variant="ghost" onPress={onCancel}>
          Close
        </Button>
      </div>
      <div className="card-body stack">
        <ErrorAlert error={plan.error} />
        {plan.isPending && <Loading what="the plan" />}
        {applied ? (
          <AppliedResult target={target} steps={applied} />
        ) : (
          plan.data &&
          (plan.data.length === 0 ? (
            <div className="empty">Nothing to change: {target} already matches this snapshot.</div>
          ) : (
            <>
              <p>
                {plan.data.length} step{plan.data.length === 1 ? '' : 's'}, in the order they run, as one change.{' '}
                {losing.length > 0 ? (
                  <strong className="danger-text">
                    {losing.length} of them lose{losing.length === 1 ? 's' : ''} something.
                  </strong>
                ) : (
                  'Nothing is lost.'
                )}
              </p>
              <ol className="plan-steps" aria-label="Planned steps">
                {plan.data.map((step, index) => {
                  const losses = lossesOf(step);
                  return (
                    <li key={index} className={losses.length > 0 ? 'loses' : undefined}>
                      <div className="row">
                        <span className={`badge action-${step.action.split('_')[0]}`}>{step.action.split('_')[0]}</span>
                        <span>{describeStep(step)}</span>
                        {needsForce(step) && <span className="badge danger">needs force</span>}
                      </div>
                      {losses.length > 0 && (
                        <ul className="losses" aria-label="What this step loses">
                          {losses.map((loss) => (
                            <li key={loss}>Loses {loss}</li>
                          ))}
                        </ul>
                      )}
                    </li>
                  );
                })}
              </ol>
              {forced.length > 0 && (
                <Checkbox isSelected={force} onChange={setForce}>
                  Apply anyway: I accept what the {forced.length === 1 ? 'step' : `${forced.length} steps`} marked &quot;needs force&quot; would lose
                </Checkbox>
              )}
              <div className="row end">
                <Button onPress={onCancel}>Cancel</Button>
                <Button variant={losing.length > 0 ? 'danger' : 'primary'} isDisabled={forced.length > 0 && !force} onPress={() => setConfirming(true)}>
                  Apply to {target}
                </Button>
              </div>
            </>
          ))
        )}
      </div>
      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={`Apply ${plan.data?.length ?? 0} steps to ${target}?`}
        message={losing.length > 0 ? `${losing.length} step${losing.length === 1 ? '' : 's'} lose data or definitions, as listed. This cannot be undone.` : 'The steps run as one schema change.'}
        action="Apply"
        onConfirm={async () => {
          const steps = await post<PlanStep[]>(`/w/${target}/schema/apply`, { snapshot, force: force || undefined });
          setApplied(steps);
          await queryClient.invalidateQueries({ queryKey: ['w', target] });
        }}
      />
    </section>
  );
}

/** What an apply did; a webhook it created shows its secret this once. */
function AppliedResult({ target, steps }: { target: string; steps: PlanStep[] }) {
  const secrets = steps.filter((step) => typeof step.secret === 'string');
  return (
    <div className="stack" role="status">
      <p className="notice">
        Applied {steps.length} step{steps.length === 1 ? '' : 's'} to {target}.
      </p>
      {secrets.map((step) => (
        <div key={String(step.webhook)} className="stack">
          <span>Secret of the new webhook &quot;{String(step.webhook)}&quot; (shown this once):</span>
          <div className="secret">{String(step.secret)}</div>
        </div>
      ))}
    </div>
  );
}

/** Every schema change of the workspace, newest first: what, who, when; an applied snapshot lists its steps. */
function Migrations({ ws }: { ws: string }) {
  const migrations = useQuery({ queryKey: ['w', ws, 'migrations'], queryFn: () => get<Migration[]>(`/w/${ws}/schema/migrations`) });
  const actorName = useActorName(ws);
  const rows = [...(migrations.data ?? [])].reverse();
  return (
    <section className="card" aria-labelledby="migrations-head">
      <div className="card-head">
        <h2 id="migrations-head">Migrations history</h2>
      </div>
      <ErrorAlert error={migrations.error} />
      {migrations.isPending ? (
        <Loading what="the history" />
      ) : (
        <ListTable
          label="Schema changes, newest first"
          rows={rows}
          rowKey={(row) => row.version}
          empty="No schema change yet."
          columns={[
            { header: 'Version', cell: (row) => row.version, width: 80 },
            { header: 'Change', cell: (row) => <MigrationDetail row={row} /> },
            { header: 'Who', cell: (row) => actorName(row) },
            { header: 'When', className: 'hint', cell: (row) => new Date(row.created_at).toLocaleString() },
          ]}
        />
      )}
    </section>
  );
}

function MigrationDetail({ row }: { row: Migration }) {
  const detail = row.detail ?? {};
  if (row.action === 'apply_snapshot' && Array.isArray(detail.operations)) {
    const steps = detail.operations as PlanStep[];
    return (
      <details>
        <summary>
          <code>apply_snapshot</code> — {steps.length} step{steps.length === 1 ? '' : 's'}
        </summary>
        <ol className="plan-steps compact">
          {steps.map((step, index) => (
            <li key={index}>{describeStep(step)}</li>
          ))}
        </ol>
      </details>
    );
  }
  const what = [detail.collection, typeof detail.field === 'string' ? detail.field : null, typeof detail.name === 'string' ? detail.name : null].filter((part) => typeof part === 'string').join('.');
  return (
    <span>
      <code>{row.action}</code> {what}
    </span>
  );
}
