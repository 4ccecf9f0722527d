import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { collectionsQuery, handlersQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import type { Handler } from '../api/types';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { handlerTrigger, starterCode } from '../lib/handler-context';

/** The workspace's handlers: hooks on collections' writes and custom endpoints, each opening in the workbench. */
export default function Handlers() {
  const { ws } = useParams({ from: '/app/w/$ws/handlers' });
  const handlers = useQuery(handlersQuery(ws));
  const [creating, setCreating] = useState(false);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Handlers' }]} />
      <div className="content">
        <PageHead title="Handlers" sub="JavaScript run in a sandbox: before and after hooks on a collection’s writes, and custom endpoints under /custom.">
          <Button variant="primary" onPress={() => setCreating(true)}>
            New handler
          </Button>
        </PageHead>
        <ErrorAlert error={handlers.error} />
        {handlers.isPending ? (
          <Loading what="handlers" />
        ) : (
          !handlers.error && (
            <div className="card">
              <ListTable
                label="Handlers"
                rows={handlers.data ?? []}
                rowKey={(handler) => handler.id}
                empty="No handler yet. A hook checks or changes a collection’s writes; an endpoint answers a route of your own."
                columns={[
                  {
                    header: 'Name',
                    cell: (handler) => (
                      <Link to="/w/$ws/handlers/$id" params={{ ws, id: handler.id }}>
                        {handler.name}
                      </Link>
                    ),
                  },
                  { header: 'Kind', cell: (handler) => <span className="badge">{handler.kind === 'endpoint' ? 'endpoint' : `${handler.kind} hook`}</span> },
                  { header: 'Runs on', cell: (handler) => <code>{handlerTrigger(handler)}</code> },
                  { header: 'State', cell: (handler) => (handler.enabled ? 'enabled' : 'disabled'), className: 'hint' },
                  { header: 'Changed', cell: (handler) => new Date(handler.updated_at).toLocaleString(), className: 'hint' },
                ]}
              />
            </div>
          )
        )}
      </div>
      <CreateHandler ws={ws} isOpen={creating} onOpenChange={setCreating} />
    </>
  );
}

function CreateHandler({ ws, isOpen, onOpenChange }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Handler['kind']>('endpoint');
  const [collection, setCollection] = useState('');
  const [method, setMethod] = useState<NonNullable<Handler['method']>>('GET');
  const [path, setPath] = useState('/hello');
  const collections = useQuery(collectionsQuery(ws));
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        system.POST('/api/v1/w/{ws}/handlers', {
          params: { path: { ws } },
          body: kind === 'endpoint' ? { name, kind, method, path, code: starterCode(kind) } : { name, kind, collection, code: starterCode(kind) },
        }),
      ),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'handlers'] });
      close(false);
      await navigate({ to: '/w/$ws/handlers/$id', params: { ws, id: String((created as { id: string }).id) } });
    },
  });
  const close = (open: boolean) => {
    if (!open) {
      create.reset();
      setName('');
    }
    onOpenChange(open);
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title="New handler">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus />
        <SelectField
          label="Kind"
          value={kind}
          options={[
            { id: 'endpoint', label: 'Endpoint: answers a route under /custom' },
            { id: 'before', label: 'Before hook: checks or changes a write' },
            { id: 'after', label: 'After hook: reacts to a committed write' },
          ]}
          onChange={(value) => setKind(value as Handler['kind'])}
        />
        {kind === 'endpoint' ? (
          <div className="row">
            <SelectField label="Method" value={method} options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ id: m, label: m }))} onChange={(value) => setMethod(value as NonNullable<Handler['method']>)} />
            <TextInput label="Path" value={path} onChange={setPath} isRequired hint="Under /custom; :name segments are parameters." />
          </div>
        ) : (
          <SelectField label="Collection" value={collection} placeholder="Choose a collection" options={(collections.data ?? []).map((c) => ({ id: c.collection, label: c.collection }))} onChange={setCollection} />
        )}
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create and open
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
