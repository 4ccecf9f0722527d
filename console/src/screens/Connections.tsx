import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Form } from 'react-aria-components';
import { ApiError } from '../api/errors';
import { system, unwrap } from '../api/system';
import type { Connection, ConnectionTable, TestedTable } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { type ConnectionTarget, parseConnectionUrl } from '../lib/connection-url';

/** A column as introspection reports it (the API documents columns as plain objects). */
interface Column {
  name: string;
  db_type: string;
  type: string | null;
  nullable: boolean;
  served: boolean;
  reason: string | null;
}

/** The fields of the form that show their own error; any other failure shows above the buttons. */
const FORM_FIELDS = ['host', 'port', 'database', 'user', 'password', 'schema', 'name'];
const connectionsKey = (ws: string) => ['w', ws, 'connections'];
const EMPTY_TARGET: ConnectionTarget = { kind: 'postgres', host: '', port: '', database: '', user: '', password: '', ssl: false, schema: '' };

/** External databases registered in the workspace, the tables each serves, and their columns. */
export default function Connections() {
  const { ws } = useParams({ from: '/app/w/$ws/connections' });
  const queryClient = useQueryClient();
  const connections = useQuery({
    queryKey: connectionsKey(ws),
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/connections', { params: { path: { ws } } })),
  });
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const open = connections.data?.find((c) => c.id === openId) ?? null;
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Connections' }]} />
      <div className="content">
        <PageHead title="Connections" sub="External PostgreSQL and MySQL databases; the tables you choose are served as collections named <connection>__<table>.">
          <Button variant="primary" onPress={() => setCreating(true)}>
            New connection
          </Button>
        </PageHead>
        <ErrorAlert error={connections.error} />
        {connections.isPending ? (
          <Loading what="connections" />
        ) : (
          !connections.error && (
            <div className="card">
              <ListTable
                label="Connections"
                rows={connections.data ?? []}
                rowKey={(c) => c.id}
                empty="No connection yet. Register an external database to serve its tables here."
                columns={[
                  { header: 'Name', cell: (c) => <strong>{c.name}</strong> },
                  { header: 'Database', cell: (c) => <code>{`${c.kind}://${c.user}@${c.host}:${c.port}/${c.database}`}</code> },
                  { header: 'Tables served', cell: (c) => c.tables.length },
                  { header: 'Access', cell: (c) => <span className="badge nowrap">{c.allow_writes ? 'read and write' : 'read only'}</span> },
                  { header: 'Read', className: 'hint', cell: (c) => new Date(c.introspected_at).toLocaleString() },
                ]}
                actions={(c) => (
                  <>
                    <Button small onPress={() => setOpenId(c.id === openId ? null : c.id)} aria-label={`Tables of ${c.name}`} aria-expanded={c.id === openId}>
                      Tables
                    </Button>
                    <Button small variant="ghost" onPress={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
                      Delete
                    </Button>
                  </>
                )}
              />
            </div>
          )
        )}
        {open && <ConnectionTables ws={ws} connection={open} key={open.id} />}
      </div>
      <NewConnection ws={ws} isOpen={creating} onOpenChange={setCreating} onCreated={(c) => setOpenId(c.id)} />
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(isOpen) => !isOpen && setDeleting(null)}
        title="Delete connection?"
        message={`Its collections stop being served. The database "${deleting?.database}" itself is not touched.`}
        action="Delete"
        onConfirm={async () => {
          await unwrap(system.DELETE('/api/v1/w/{ws}/connections/{id}', { params: { path: { ws, id: deleting!.id } } }));
          if (openId === deleting!.id) setOpenId(null);
          await queryClient.invalidateQueries({ queryKey: ['w', ws] });
        }}
      />
    </>
  );
}

/** The tables of a registered connection: which are served, why others cannot be, and their columns. */
function ConnectionTables({ ws, connection }: { ws: string; connection: Connection }) {
  const queryClient = useQueryClient();
  const tablesKey = [...connectionsKey(ws), connection.id, 'tables'];
  const tables = useQuery({
    queryKey: tablesKey,
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/connections/{id}/tables', { params: { path: { ws, id: connection.id } } })),
  });
  const [chosen, setChosen] = useState<Set<string>>(new Set(connection.tables));
  useEffect(() => setChosen(new Set(connection.tables)), [connection.tables]);
  const changed = chosen.size !== connection.tables.length || connection.tables.some((t) => !chosen.has(t));
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['w', ws] });
  };
  const save = useMutation({
    mutationFn: () => unwrap(system.PATCH('/api/v1/w/{ws}/connections/{id}', { params: { path: { ws, id: connection.id } }, body: { tables: [...chosen] } })),
    onSuccess: refresh,
  });
  const reread = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/connections/{id}/introspect', { params: { path: { ws, id: connection.id } } })),
    onSuccess: refresh,
  });
  return (
    <section className="card" aria-labelledby="connection-tables">
      <div className="card-head">
        <h2 id="connection-tables">Tables of {connection.name}</h2>
        <div className="spacer" />
        <Button small onPress={() => reread.mutate()} isPending={reread.isPending}>
          Read the tables again
        </Button>
        <Button small variant="primary" onPress={() => save.mutate()} isDisabled={!changed} isPending={save.isPending}>
          Save the choice
        </Button>
      </div>
      <div className="card-body stack">
        <ErrorAlert error={tables.error ?? save.error ?? reread.error} />
        {tables.isPending ? <Loading what="tables" /> : tables.data && <TableChoice tables={tables.data} chosen={chosen} onChange={setChosen} />}
      </div>
    </section>
  );
}

/** Tables with a box to serve each, its status, and its columns; a table that cannot be served says why. */
function TableChoice({ tables, chosen, onChange }: { tables: Array<ConnectionTable | TestedTable>; chosen: Set<string>; onChange: (chosen: Set<string>) => void }) {
  if (tables.length === 0) return <div className="empty">The database has no table Cairn can see.</div>;
  const toggle = (name: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(name);
    else next.delete(name);
    onChange(next);
  };
  return (
    <ul className="connection-tables">
      {tables.map((table) => {
        const columns = table.columns as unknown as Column[];
        const status = !table.servable ? 'cannot be served' : 'served' in table ? (table.served ? 'served' : 'not served') : null;
        return (
          <li key={table.table} className="connection-table">
            <div className="row">
              {table.servable ? (
                <Checkbox isSelected={chosen.has(table.table)} onChange={(on) => toggle(table.table, on)}>
                  <span className="sr-only">Serve </span>
                  <code>{table.table}</code>
                </Checkbox>
              ) : (
                <code>{table.table}</code>
              )}
              {'collection' in table && table.servable && <span className="hint">as {table.collection}</span>}
              <div className="spacer" />
              {status && <span className={`badge ${status === 'served' ? 'accent' : ''}`}>{status}</span>}
            </div>
            {table.reason && <div className="hint">Why: {table.reason}.</div>}
            <details>
              <summary>
                {columns.length} column{columns.length === 1 ? '' : 's'}
                {table.primary_key.length > 0 && `, key ${table.primary_key.join(', ')}`}
              </summary>
              <table className="list compact" aria-label={`Columns of ${table.table}`}>
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Database type</th>
                    <th scope="col">Served as</th>
                    <th scope="col">Null</th>
                  </tr>
                </thead>
                <tbody>
                  {columns.map((column) => (
                    <tr key={column.name}>
                      <td>
                        <code>{column.name}</code>
                      </td>
                      <td className="hint">{column.db_type}</td>
                      <td>{column.served ? column.type : <span className="hint">not served: {column.reason}</span>}</td>
                      <td>{column.nullable ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </li>
        );
      })}
    </ul>
  );
}

/** The body both the test and the registration take: the form's strings as the API's fields. */
function targetBody(target: ConnectionTarget) {
  return {
    kind: target.kind,
    host: target.host.trim(),
    ...(target.port.trim() ? { port: Number(target.port) } : {}),
    database: target.database.trim(),
    user: target.user.trim(),
    password: target.password,
    ssl: target.ssl,
    ...(target.kind === 'postgres' && target.schema.trim() ? { schema: target.schema.trim() } : {}),
  };
}

/**
 * Registering an external database: where and as whom (typed, or read from a pasted URL), tested first,
 * then named with its tables chosen from what the test found. Changing where resets the test.
 */
function NewConnection({ ws, isOpen, onOpenChange, onCreated }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void; onCreated: (connection: Connection) => void }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | undefined>();
  const [target, setTarget] = useState<ConnectionTarget>(EMPTY_TARGET);
  const [name, setName] = useState('');
  const [allowWrites, setAllowWrites] = useState(false);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const test = useMutation({
    mutationFn: () => unwrap(system.POST('/api/v1/w/{ws}/connections/test', { params: { path: { ws } }, body: targetBody(target) })),
    // None chosen at first: a database may hold tables that are not for the API (accounts, secrets).
    onSuccess: () => setChosen(new Set()),
  });
  const create = useMutation({
    mutationFn: () =>
      unwrap(system.POST('/api/v1/w/{ws}/connections', { params: { path: { ws } }, body: { ...targetBody(target), name: name.trim(), allow_writes: allowWrites, tables: [...chosen] } })),
    onSuccess: async (connection) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws] });
      onCreated(connection);
      close(false);
    },
  });
  const close = (open: boolean) => {
    if (!open) {
      setUrl('');
      setUrlError(undefined);
      setTarget(EMPTY_TARGET);
      setName('');
      setAllowWrites(false);
      test.reset();
      create.reset();
    }
    onOpenChange(open);
  };
  const edit = (change: Partial<ConnectionTarget>) => {
    setTarget((current) => ({ ...current, ...change }));
    test.reset();
    create.reset();
  };
  const failure = test.error ?? create.error;
  const fieldError = (field: string) => (failure instanceof ApiError && failure.field === field ? failure.message : undefined);
  const tested = test.data;
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title="New connection" wide>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (tested) create.mutate();
          else test.mutate();
        }}
      >
        <div className="row connection-url">
          <TextInput
            label="Database URL"
            value={url}
            onChange={(value) => {
              setUrl(value);
              setUrlError(undefined);
            }}
            hint="Optional: paste postgres://… or mysql://… to fill the fields below."
            error={urlError}
            className="grow"
          />
          <Button
            isDisabled={!url.trim()}
            onPress={() => {
              const parsed = parseConnectionUrl(url);
              if (typeof parsed === 'string') return setUrlError(parsed);
              edit(parsed);
              // The fields hold it now; the URL, password and all, is not left on the screen.
              setUrl('');
            }}
          >
            Fill from URL
          </Button>
        </div>
        <div className="form-grid">
          <SelectField
            label="Kind"
            value={target.kind}
            options={[
              { id: 'postgres', label: 'PostgreSQL' },
              { id: 'mysql', label: 'MySQL / MariaDB' },
            ]}
            onChange={(kind) => edit({ kind: kind as ConnectionTarget['kind'] })}
          />
          <TextInput label="Host" value={target.host} onChange={(host) => edit({ host })} isRequired error={fieldError('host')} />
          <TextInput label="Port" value={target.port} onChange={(port) => edit({ port })} placeholder={target.kind === 'postgres' ? '5432' : '3306'} error={fieldError('port')} />
          <TextInput label="Database" value={target.database} onChange={(database) => edit({ database })} isRequired error={fieldError('database')} />
          <TextInput label="User" value={target.user} onChange={(user) => edit({ user })} isRequired autoComplete="off" error={fieldError('user')} />
          <TextInput label="Password" type="password" value={target.password} onChange={(password) => edit({ password })} autoComplete="new-password" error={fieldError('password')} />
          {target.kind === 'postgres' && <TextInput label="Schema" value={target.schema} onChange={(schema) => edit({ schema })} placeholder="public" error={fieldError('schema')} />}
          <div className="field checkbox-field">
            <Checkbox isSelected={target.ssl} onChange={(ssl) => edit({ ssl })}>
              Require TLS
            </Checkbox>
          </div>
        </div>
        {failure && !FORM_FIELDS.some((field) => fieldError(field)) && <ErrorAlert error={failure} />}
        {tested && (
          <>
            <div className="notice" role="status">
              Connected. Cairn found {tested.tables.length} table{tested.tables.length === 1 ? '' : 's'}; choose those to serve.
            </div>
            <TableChoice tables={tested.tables} chosen={chosen} onChange={setChosen} />
            <div className="form-grid">
              <TextInput label="Name" value={name} onChange={setName} isRequired hint="Lowercase letters, digits and _; its tables are served as <name>__<table>." error={fieldError('name')} />
              <div className="field checkbox-field">
                <Checkbox isSelected={allowWrites} onChange={setAllowWrites}>
                  Allow writes through the items API
                </Checkbox>
              </div>
            </div>
          </>
        )}
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          {tested ? (
            <Button type="submit" variant="primary" isPending={create.isPending}>
              Register connection
            </Button>
          ) : (
            <Button type="submit" variant="primary" isPending={test.isPending}>
              Test connection
            </Button>
          )}
        </div>
      </Form>
    </ModalDialog>
  );
}
