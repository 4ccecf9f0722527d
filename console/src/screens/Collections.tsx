import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { post } from '../api/client';
import { collectionsQuery, rowCountsQuery, workspaceQuery } from '../api/queries';
import type { Collection } from '../api/types';
import { DeleteCollection } from '../components/DeleteCollection';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { managesWorkspace } from '../lib/roles';

export default function Collections() {
  const { ws } = useParams({ from: '/app/w/$ws/collections' });
  const workspace = useQuery(workspaceQuery(ws));
  const collections = useQuery(collectionsQuery(ws));
  const names = collections.data?.map((c) => c.collection) ?? [];
  const counts = useQuery({ ...rowCountsQuery(ws, names), enabled: names.length > 0 });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const canChangeSchema = managesWorkspace(workspace.data?.role);

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Collections' }]} />
      <div className="content">
        <PageHead title="Collections" sub="Each collection is a real table, served by REST, GraphQL and realtime.">
          {canChangeSchema && (
            <Button variant="primary" onPress={() => setCreating(true)}>
              New collection
            </Button>
          )}
        </PageHead>
        <ErrorAlert error={collections.error} />
        {collections.isPending ? (
          <Loading what="collections" />
        ) : collections.error ? null : (
          <div className="card">
            <ListTable
              label="Collections"
              rows={collections.data ?? []}
              rowKey={(c) => c.collection}
              empty={<>No collection yet.{canChangeSchema && ' Create one, then add its fields.'}</>}
              columns={[
                {
                  header: 'Collection',
                  cell: (c) => (
                    <Link to="/w/$ws/collections/$collection" params={{ ws, collection: c.collection }}>
                      {c.collection}
                    </Link>
                  ),
                },
                { header: 'Fields', cell: (c) => c.fields.filter((f) => !f.system).length },
                { header: 'Rows', cell: (c) => counts.data?.[c.collection]?.toLocaleString() ?? '…' },
                { header: 'Note', className: 'hint', cell: (c) => c.note },
              ]}
              actions={(c) => (
                <>
                  <Link to="/w/$ws/collections/$collection/schema" params={{ ws, collection: c.collection }} className="btn small ghost">
                    Schema
                  </Link>
                  {canChangeSchema && (
                    <Button small variant="ghost" onPress={() => setDeleting(c.collection)} aria-label={`Delete ${c.collection}`}>
                      Delete
                    </Button>
                  )}
                </>
              )}
            />
          </div>
        )}
      </div>
      <CreateCollection ws={ws} isOpen={creating} onOpenChange={setCreating} />
      <DeleteCollection ws={ws} collection={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}

function CreateCollection({ ws, isOpen, onOpenChange }: { ws: string; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [primaryKey, setPrimaryKey] = useState('integer');
  const [note, setNote] = useState('');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => post<Collection>(`/w/${ws}/collections`, { collection: name, primary_key: primaryKey, ...(note ? { note } : {}), fields: [] }),
    onSuccess: async (collection) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws] });
      onOpenChange(false);
      setName('');
      setNote('');
      await navigate({ to: '/w/$ws/collections/$collection/schema', params: { ws, collection: collection.collection } });
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title="New collection">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus hint="Lowercase letters, digits and underscores, e.g. blog_posts." />
        <SelectField
          label="Primary key"
          value={primaryKey}
          options={[
            { id: 'integer', label: 'Integer (auto-increment)' },
            { id: 'uuid', label: 'UUID' },
          ]}
          onChange={setPrimaryKey}
        />
        <TextInput label="Note" value={note} onChange={setNote} />
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create collection
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
