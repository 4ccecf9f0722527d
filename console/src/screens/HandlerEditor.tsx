import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { lazy, Suspense, useMemo, useState } from 'react';
import { ApiError } from '../api/errors';
import { collectionsQuery, handlerQuery, handlerRunsQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import type { Handler, HandlerRunStatus } from '../api/types';
import type { CompileProblem } from '../components/CodeMirrorHandler';
import { JsonEditor } from '../components/JsonEditor';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, PageHead, SelectField, TextInput } from '../components/ui';
import { handlerTrigger } from '../lib/handler-context';

const CodeMirrorHandler = lazy(() => import('../components/CodeMirrorHandler'));

type SampleAnswer = NonNullable<Awaited<ReturnType<typeof runSample>>>;

function runSample(ws: string, id: string, body: { request?: Record<string, unknown>; event?: { action: 'create' | 'update' | 'delete'; payload?: Record<string, unknown>; keys?: unknown[] } }) {
  return unwrap(system.POST('/api/v1/w/{ws}/handlers/{id}/sample', { params: { path: { ws, id } }, body }));
}

/** The handler workbench: its code with `ctx` completed from the live schema, save with compile errors at their line, a sample run, the run log. */
export default function HandlerEditor() {
  const { ws, id } = useParams({ from: '/app/w/$ws/handlers/$id' });
  const handler = useQuery(handlerQuery(ws, id));
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Handlers', to: <Link to="/w/$ws/handlers" params={{ ws }}>Handlers</Link> }, { label: handler.data?.name ?? 'Handler' }]} />
      <div className="content">
        <ErrorAlert error={handler.error} />
        {handler.isPending ? <Loading what="the handler" /> : handler.data && <Workbench key={handler.data.id} ws={ws} handler={handler.data} />}
      </div>
    </>
  );
}

function Workbench({ ws, handler }: { ws: string; handler: Handler }) {
  const queryClient = useQueryClient();
  const collections = useQuery(collectionsQuery(ws));
  const schema = useMemo(() => (collections.data ?? []).map((c) => ({ collection: c.collection, fields: c.fields.filter((f) => f.type !== 'alias').map((f) => ({ field: f.field, type: f.type })) })), [collections.data]);
  const [code, setCode] = useState(handler.code);
  const [problem, setProblem] = useState<CompileProblem | null>(null);
  const dirty = code !== handler.code;

  const save = useMutation({
    mutationFn: (changes: Partial<Pick<Handler, 'code' | 'enabled'>>) => unwrap(system.PATCH('/api/v1/w/{ws}/handlers/{id}', { params: { path: { ws, id: handler.id } }, body: changes })),
    onMutate: () => setProblem(null),
    onSuccess: (saved) => {
      queryClient.setQueryData(handlerQuery(ws, handler.id).queryKey, saved as unknown as Handler);
      void queryClient.invalidateQueries({ queryKey: ['w', ws, 'handlers'], exact: true });
    },
    onError: (error) => setProblem(compileProblemOf(error)),
  });

  return (
    <>
      <PageHead title={handler.name} sub={<code>{handlerTrigger(handler)}</code>}>
        <Checkbox isSelected={handler.enabled} onChange={(enabled) => save.mutate({ enabled })}>
          Enabled
        </Checkbox>
        <Button variant={dirty ? 'primary' : undefined} isPending={save.isPending} onPress={() => save.mutate({ code })}>
          {dirty ? 'Save' : 'Saved'}
        </Button>
      </PageHead>
      <div className="handler-workbench">
        <section className="card handler-code" aria-labelledby="handler-code-label">
          <div className="card-head">
            <h2 id="handler-code-label">Code</h2>
            <span className="hint">Type <code>ctx.</code> for what the handler receives; Ctrl-Space completes.</span>
          </div>
          <Suspense fallback={<textarea aria-labelledby="handler-code-label" value={code} onChange={(event) => setCode(event.target.value)} />}>
            <CodeMirrorHandler value={code} onChange={setCode} labelledBy="handler-code-label" schema={schema} kind={handler.kind} collection={handler.collection} problem={problem} />
          </Suspense>
          {problem ? (
            <div className="alert" role="alert" data-testid="compile-error">
              Line {problem.line}, column {problem.column}: {problem.message}
            </div>
          ) : (
            <ErrorAlert error={save.error} />
          )}
        </section>
        <SamplePanel ws={ws} handler={handler} dirty={dirty} saveFirst={() => save.mutateAsync({ code })} />
      </div>
      <RunLog ws={ws} handler={handler} />
    </>
  );
}

/** A save's compile error, when that is why it was refused. */
function compileProblemOf(error: unknown): CompileProblem | null {
  if (!(error instanceof ApiError) || error.extensions.field !== 'code' || typeof error.extensions.line !== 'number') return null;
  const message = error.message.replace(/^Invalid payload: the code does not compile: /, '').replace(/ \(line \d+, column \d+\)\.$/, '');
  return { message, line: error.extensions.line, column: Number(error.extensions.column ?? 1) };
}

function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`The sample's ${what} is not JSON.`);
  }
}

/** The sample: a request for an endpoint, an item event for a hook; run on the saved code, its writes undone. */
function SamplePanel({ ws, handler, dirty, saveFirst }: { ws: string; handler: Handler; dirty: boolean; saveFirst: () => Promise<unknown> }) {
  const queryClient = useQueryClient();
  const [path, setPath] = useState(handler.path ?? '/');
  const [query, setQuery] = useState('{}');
  const [body, setBody] = useState(handler.method === 'GET' || handler.method === 'DELETE' ? '' : '{}');
  const [action, setAction] = useState<'create' | 'update' | 'delete'>(handler.events?.[0] ?? 'create');
  const [keys, setKeys] = useState('');
  const [payload, setPayload] = useState('{}');
  const run = useMutation({
    mutationFn: async () => {
      if (dirty) await saveFirst();
      if (handler.kind === 'endpoint') return runSample(ws, handler.id, { request: { path, query: parseJson(query, 'query') ?? {}, body: parseJson(body, 'body') ?? null } });
      const event = { action, keys: keys.split(',').map((key) => key.trim()).filter(Boolean), ...(action === 'delete' ? {} : { payload: (parseJson(payload, 'payload') ?? {}) as Record<string, unknown> }) };
      return runSample(ws, handler.id, { event });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['w', ws, 'handlers', handler.id, 'runs'] }),
  });
  return (
    <section className="card handler-sample" aria-labelledby="sample-heading">
      <div className="card-head">
        <h2 id="sample-heading">Run with a sample</h2>
      </div>
      <p className="hint">Runs the saved code in the sandbox as you. Its writes are made in a transaction that is rolled back: nothing stays, and no event, webhook or flow follows.</p>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          run.mutate();
        }}
      >
        {handler.kind === 'endpoint' ? (
          <>
            <TextInput label={`Path (${handler.method})`} value={path} onChange={setPath} hint={`The endpoint answers ${handler.path}.`} />
            <JsonEditor label="Query" value={query} onChange={setQuery} />
            <JsonEditor label="Body" value={body} onChange={setBody} />
          </>
        ) : (
          <>
            <SelectField label="Action" value={action} options={(handler.events ?? ['create', 'update', 'delete']).map((a) => ({ id: a, label: a }))} onChange={(value) => setAction(value as typeof action)} />
            {action !== 'create' && <TextInput label="Keys" value={keys} onChange={setKeys} hint="The items’ ids, separated by commas." />}
            {action !== 'delete' && <JsonEditor label={`Payload (an item of ${handler.collection})`} value={payload} onChange={setPayload} />}
          </>
        )}
        <div className="row end">
          <Button type="submit" variant="primary" isPending={run.isPending}>
            {dirty ? 'Save and run' : 'Run sample'}
          </Button>
        </div>
      </form>
      <ErrorAlert error={run.error instanceof ApiError && compileProblemOf(run.error) ? null : run.error} />
      {run.data && <SampleOutcome result={run.data} />}
    </section>
  );
}

function StatusBadge({ status }: { status: HandlerRunStatus }) {
  return <span className={`badge run-${status}`}>{status}</span>;
}

function SampleOutcome({ result }: { result: SampleAnswer }) {
  const memory = result.memory?.heap_used_bytes === undefined ? null : `${(result.memory.heap_used_bytes / 1024 / 1024).toFixed(1)} MB of ${result.memory.limit_mb} MB`;
  return (
    <div className="sample-outcome" data-testid="sample-outcome" aria-live="polite">
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={result.status} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{result.duration_ms} ms</dd>
        </div>
        {memory && (
          <div>
            <dt>Memory</dt>
            <dd>{memory}</dd>
          </div>
        )}
      </dl>
      {result.status === 'ok' ? (
        <>
          <h3>Returned</h3>
          <pre className="json-out" data-testid="sample-value">{JSON.stringify(result.value ?? null, null, 2)}</pre>
        </>
      ) : (
        <div className="alert" role="alert">
          {result.error?.status ? `${result.error.status}: ` : ''}
          {result.error?.message}
        </div>
      )}
      <h3>Logs</h3>
      {result.logs.length === 0 ? (
        <p className="hint">Nothing logged.</p>
      ) : (
        <pre className="run-logs" data-testid="sample-logs">{result.logs.join('\n')}</pre>
      )}
    </div>
  );
}

/** The handler's real runs, newest first (sample runs are not in it). */
function RunLog({ ws, handler }: { ws: string; handler: Handler }) {
  const runs = useQuery(handlerRunsQuery(ws, handler.id));
  return (
    <section className="card" aria-labelledby="runs-heading">
      <div className="card-head">
        <h2 id="runs-heading">Run log</h2>
        <div className="spacer" />
        <Button small onPress={() => void runs.refetch()} isPending={runs.isFetching}>
          Refresh
        </Button>
      </div>
      <ErrorAlert error={runs.error} />
      {runs.isPending ? (
        <Loading what="runs" />
      ) : (
        <ListTable
          label="Runs"
          rows={runs.data ?? []}
          rowKey={(run) => run.id ?? ''}
          empty="No run yet. Runs appear here when a request or a write runs the handler; sample runs are not logged."
          columns={[
            { header: 'When', cell: (run) => (run.created_at ? new Date(run.created_at).toLocaleString() : ''), className: 'hint' },
            { header: 'Status', cell: (run) => run.status && <StatusBadge status={run.status} /> },
            { header: 'Duration', cell: (run) => `${run.duration_ms} ms` },
            { header: 'Error', cell: (run) => run.error ?? '' },
            { header: 'Logs', cell: (run) => (run.logs?.length ? <pre className="run-logs">{run.logs.join('\n')}</pre> : <span className="hint">none</span>) },
          ]}
        />
      )}
    </section>
  );
}
