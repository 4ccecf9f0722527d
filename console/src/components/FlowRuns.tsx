import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { runsQuery, type Flow, type FlowRun, type FlowStep } from '../api/automation';
import { system, unwrap } from '../api/system';
import { Button, ErrorAlert, Loading, ModalDialog, TextInput } from './ui';

const STATUS_BADGE: Record<string, string> = { succeeded: 'badge accent', failed: 'badge danger', pending: 'badge', running: 'badge' };
const FINISHED = new Set(['succeeded', 'failed']);

function json(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value, null, 2);
}

/**
 * A flow's runs, newest first, and the one chosen: its trigger data and each step's input, output,
 * duration and error. A failed run names the step that failed and why. Runs still going are polled.
 */
export function FlowRuns({ ws, flow, selected, onSelect }: { ws: string; flow: Flow; selected: string | undefined; onSelect: (run: string) => void }) {
  const runs = useQuery({
    ...runsQuery(ws, flow.id),
    refetchInterval: (query) => (query.state.data?.some((run) => !FINISHED.has(run.status)) ? 700 : false),
  });
  const queryClient = useQueryClient();
  const [triggering, setTriggering] = useState(false);
  const started = async (run: FlowRun) => {
    await queryClient.invalidateQueries({ queryKey: ['w', ws, 'flows', flow.id, 'runs'] });
    onSelect(run.id);
  };
  const rerun = useMutation({
    mutationFn: (run: FlowRun) => unwrap(system.POST('/api/v1/w/{ws}/flows/{id}/runs/{run}/rerun', { params: { path: { ws, id: flow.id, run: run.id } } })),
    onSuccess: started,
  });

  const list = runs.data ?? [];
  const shown = list.find((run) => run.id === selected) ?? list[0];
  return (
    <div className="stack">
      <div className="toolbar">
        {flow.trigger.type === 'manual' && (
          <Button variant="primary" onPress={() => setTriggering(true)} isDisabled={!flow.enabled}>
            Run now
          </Button>
        )}
        <Button onPress={() => void runs.refetch()}>Refresh</Button>
        {!flow.enabled && <span className="hint">The flow is disabled: enable it in the editor to run it.</span>}
      </div>
      <ErrorAlert error={runs.error ?? rerun.error} />
      {runs.isPending ? (
        <Loading what="runs" />
      ) : list.length === 0 ? (
        <div className="card empty">No run yet.</div>
      ) : (
        <div className="inbox">
          <div className="card inbox-list">
            <table className="list" aria-label="Runs">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                </tr>
              </thead>
              <tbody>
                {list.map((run) => (
                  <tr key={run.id} aria-current={run.id === shown?.id ? true : undefined} className={run.id === shown?.id ? 'selected' : undefined}>
                    <td>
                      <Button variant="link" onPress={() => onSelect(run.id)} aria-label={`Open the run of ${new Date(run.created_at).toLocaleString()}`}>
                        {new Date(run.created_at).toLocaleString()}
                      </Button>
                      {run.rerun_of && <div className="hint">re-run</div>}
                    </td>
                    <td>
                      <span className={STATUS_BADGE[run.status]}>{run.status}</span>
                    </td>
                    <td>{run.trigger_type}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {shown && <RunDetail run={shown} flowEnabled={flow.enabled} onRerun={() => rerun.mutate(shown)} rerunning={rerun.isPending} onOpen={onSelect} />}
        </div>
      )}
      <TriggerDialog ws={ws} flow={flow} isOpen={triggering} onOpenChange={setTriggering} onStarted={started} />
    </div>
  );
}

function RunDetail({ run, flowEnabled, onRerun, rerunning, onOpen }: { run: FlowRun; flowEnabled: boolean; onRerun: () => void; rerunning: boolean; onOpen: (run: string) => void }) {
  const failedStep = run.steps.find((step) => step.status === 'failed');
  const finished = FINISHED.has(run.status);
  const took = run.started_at && run.finished_at ? new Date(run.finished_at).getTime() - new Date(run.started_at).getTime() : null;
  return (
    <section className="card inbox-detail" aria-label="Run">
      <div className="card-head">
        <h2>Run</h2>
        <span className={STATUS_BADGE[run.status]} data-testid="run-status">
          {run.status}
        </span>
        {took !== null && <span className="hint">{took} ms</span>}
        <div className="spacer" />
        <Button small onPress={onRerun} isDisabled={!finished || !flowEnabled} isPending={rerunning}>
          Re-run with the same input
        </Button>
      </div>
      <div className="card-body stack">
        {run.status === 'failed' && (
          <div className="alert" role="alert">
            {failedStep ? (
              <>
                Failed at step <strong>{failedStep.key}</strong> ({failedStep.type}): {failedStep.error}
              </>
            ) : (
              run.error
            )}
          </div>
        )}
        {run.rerun_of && (
          <div className="hint">
            A re-run, with the trigger data of{' '}
            <Button variant="link" onPress={() => onOpen(run.rerun_of!)}>
              the run it repeats
            </Button>
            .
          </div>
        )}
        <details>
          <summary>Trigger data ($trigger)</summary>
          <pre className="code-block" tabIndex={0}>{json(run.trigger)}</pre>
        </details>
        <ol className="steps" aria-label="Steps">
          {run.steps.map((step, index) => (
            <Step key={`${step.key}-${index}`} step={step} />
          ))}
          {run.steps.length === 0 && <li className="hint">{finished ? 'No step ran.' : 'Waiting to start…'}</li>}
        </ol>
      </div>
    </section>
  );
}

function Step({ step }: { step: FlowStep }) {
  return (
    <li className={`step ${step.status}`} aria-label={`Step ${step.key}`}>
      <div className="row wrap">
        <strong>{step.key}</strong>
        <span className="tag">{step.type}</span>
        <span className={STATUS_BADGE[step.status]}>{step.status}</span>
        <span className="hint">{step.duration_ms} ms</span>
      </div>
      {step.error && <div className="alert">{step.error}</div>}
      <div className="step-io">
        <div>
          <span className="label">Input</span>
          <pre className="code-block" tabIndex={0}>{json(step.input)}</pre>
        </div>
        <div>
          <span className="label">Output</span>
          <pre className="code-block" tabIndex={0}>{json(step.result)}</pre>
        </div>
      </div>
    </li>
  );
}

/** Runs a manual flow with a body, which its steps read as $trigger.body. */
function TriggerDialog({ ws, flow, isOpen, onOpenChange, onStarted }: { ws: string; flow: Flow; isOpen: boolean; onOpenChange: (open: boolean) => void; onStarted: (run: FlowRun) => Promise<void> }) {
  const [body, setBody] = useState('{}');
  const [invalid, setInvalid] = useState<string | undefined>();
  const trigger = useMutation({
    mutationFn: (parsed: unknown) => unwrap(system.POST('/api/v1/w/{ws}/flows/{id}/trigger', { params: { path: { ws, id: flow.id } }, body: parsed })),
    onSuccess: async (run) => {
      onOpenChange(false);
      await onStarted(run);
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title={`Run ${flow.name}`}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          try {
            const parsed = JSON.parse(body || 'null') as unknown;
            setInvalid(undefined);
            trigger.mutate(parsed);
          } catch (error) {
            setInvalid(`Not valid JSON: ${(error as Error).message}`);
          }
        }}
      >
        <TextInput label="Body (JSON)" multiline className="mono" value={body} onChange={setBody} error={invalid} hint="The steps read it as $trigger.body." autoFocus />
        <ErrorAlert error={trigger.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={trigger.isPending}>
            Run
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
