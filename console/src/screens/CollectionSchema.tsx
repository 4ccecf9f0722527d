import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { get, patch, post, remove } from '../api/client';
import { ApiError } from '../api/errors';
import { collectionsQuery, relationsQuery, workspaceQuery } from '../api/queries';
import type { Field, Relation } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DeleteCollection } from '../components/DeleteCollection';
import { FieldForm } from '../components/FieldForm';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { changedOptions, emptyDraft, InvalidText, toDraft, toFieldPayload, type FieldDraft } from '../lib/fields';
import { managesWorkspace } from '../lib/roles';

/** The field a message is about: the server's, or the one whose text the form refused before sending. */
const fieldOf = (error: unknown) => (error instanceof ApiError || error instanceof InvalidText ? error.field : undefined);
/** A message's field, matched by its end: "fields.0.length" and "length" both name the length. */
const errorFor = (error: unknown) => (name: string) => {
  const field = fieldOf(error);
  return field && (field === name || field.endsWith(`.${name}`)) ? (error as Error).message : undefined;
};

function summary(field: Field): string {
  const parts: string[] = [];
  if (field.length) parts.push(`length ${field.length}`);
  if (field.type === 'decimal') parts.push(`${field.precision ?? 10},${field.scale ?? 2}`);
  if (field.values?.length) parts.push(field.values.join(' | '));
  if (field.autocode) parts.push(`${field.autocode.prefix}${'0'.repeat(Math.max(field.autocode.padding - 1, 0))}1`);
  if (field.default !== null && field.default !== undefined) parts.push(`default ${JSON.stringify(field.default)}`);
  const rules = Object.keys(field.validation ?? {}).filter((rule) => rule !== 'required');
  if (rules.length) parts.push(`rules: ${rules.join(', ')}`);
  return parts.join(' · ');
}

export default function CollectionSchema() {
  const { ws, collection } = useParams({ from: '/app/w/$ws/collections/$collection/schema' });
  const workspace = useQuery(workspaceQuery(ws));
  const collections = useQuery(collectionsQuery(ws));
  const relations = useQuery(relationsQuery(ws));
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Field | 'new' | null>(null);
  const [dropping, setDropping] = useState<Field | null>(null);
  const [dropRefusal, setDropRefusal] = useState<ApiError | null>(null);
  const [relating, setRelating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const definition = collections.data?.find((c) => c.collection === collection);
  const canChange = managesWorkspace(workspace.data?.role);
  const mine = relations.data?.filter((r) => r.collection === collection || r.related_collection === collection) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['w', ws] });

  if (collections.error) return <div className="content"><ErrorAlert error={collections.error} /></div>;
  if (!collections.data) return <Loading what="the schema" />;
  if (!definition) return <div className="content"><ErrorAlert error={new Error(`This workspace has no collection ${collection}.`)} /></div>;

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Collections', to: <Link to="/w/$ws/collections" params={{ ws }}>Collections</Link> }, { label: collection, to: <Link to="/w/$ws/collections/$collection" params={{ ws, collection }}>{collection}</Link> }, { label: 'Schema' }]}>
        <Link to="/w/$ws/collections/$collection" params={{ ws, collection }} className="btn">
          Open data
        </Link>
      </Topbar>
      <div className="content">
        <PageHead title={collection} sub={`Primary key: ${definition.primary_key}${definition.note ? ` · ${definition.note}` : ''}`}>
          {canChange && (
            <>
              <Button variant="danger" onPress={() => setDeleting(collection)}>
                Delete collection
              </Button>
              <Button variant="primary" onPress={() => setEditing('new')}>
                Add field
              </Button>
            </>
          )}
        </PageHead>
        <section className="card" aria-labelledby="fields-title">
          <div className="card-head">
            <h2 id="fields-title">Fields</h2>
          </div>
          <ListTable
            label="Fields"
            rows={definition.fields}
            rowKey={(field) => field.field}
            columns={[
              {
                header: 'Field',
                cell: (field) => (
                  <>
                    <code>{field.field}</code>
                    {field.note && <div className="hint">{field.note}</div>}
                  </>
                ),
              },
              { header: 'Type', cell: (field) => <span className="tag">{field.type}</span> },
              {
                header: 'Flags',
                cell: (field) => (
                  <div className="row" style={{ gap: 4, flexWrap: 'wrap' }}>
                    {field.system && <span className="badge">system</span>}
                    {field.required && <span className="badge accent">required</span>}
                    {field.unique && <span className="badge">unique</span>}
                    {field.index && <span className="badge">indexed</span>}
                  </div>
                ),
              },
              { header: 'Options', className: 'hint', cell: summary },
            ]}
            actions={(field) =>
              canChange &&
              !field.system &&
              field.type !== 'alias' && (
                <>
                  <Button small variant="ghost" onPress={() => setEditing(field)} aria-label={`Edit ${field.field}`}>
                    Edit
                  </Button>
                  <Button small variant="ghost" onPress={() => setDropping(field)} aria-label={`Drop ${field.field}`}>
                    Drop
                  </Button>
                </>
              )}
          />
        </section>
        <section className="card" aria-labelledby="relations-title">
          <div className="card-head">
            <h2 id="relations-title">Relations</h2>
            <div className="spacer" />
            {canChange && (
              <Button small onPress={() => setRelating(true)}>
                Add relation
              </Button>
            )}
          </div>
          <ListTable
            label="Relations"
            rows={mine}
            rowKey={(relation) => `${relation.collection}.${relation.field}`}
            empty="No relation."
            columns={[
              {
                header: 'Field',
                cell: (relation) => (
                  <code>
                    {relation.collection}.{relation.field}
                  </code>
                ),
              },
              { header: 'Points to', cell: (relation) => <code>{relation.related_collection}</code> },
              {
                header: 'Other side',
                cell: (relation) => (relation.one_field ? <code>{relation.related_collection}.{relation.one_field}</code> : <span className="hint">none</span>),
              },
              { header: 'On delete', cell: (relation) => relation.on_delete ?? 'SET NULL' },
            ]}
            actions={(relation) =>
              canChange && (
                <Button
                  small
                  variant="ghost"
                  aria-label={`Delete relation ${relation.collection}.${relation.field}`}
                  onPress={() => void remove(`/w/${ws}/relations/${relation.collection}/${relation.field}`).then(refresh)}
                >
                  Delete
                </Button>
              )}
          />
        </section>
        <Indexes ws={ws} collection={collection} fields={definition.fields.filter((f) => f.type !== 'alias').map((f) => f.field)} canChange={canChange} />
      </div>
      {editing && <FieldDialog ws={ws} collection={collection} field={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        key={`${dropping?.field}-${dropRefusal ? 'force' : 'ask'}`}
        isOpen={dropping !== null}
        onOpenChange={(open) => {
          if (!open) {
            setDropping(null);
            setDropRefusal(null);
          }
        }}
        title={`Drop ${dropping?.field}?`}
        message={dropRefusal ? <div className="alert" role="alert">{dropRefusal.message}</div> : 'The column and its values are dropped.'}
        action={dropRefusal ? 'Drop anyway' : 'Drop field'}
        onConfirm={async () => {
          try {
            await remove(`/w/${ws}/fields/${collection}/${dropping!.field}`, dropRefusal ? { force: true } : undefined);
          } catch (error) {
            if (error instanceof ApiError && error.status === 409 && !dropRefusal) {
              setDropRefusal(error);
              throw new ApiError(409, 'CONFLICT', 'Confirm below to drop anyway.');
            }
            throw error;
          }
          setDropRefusal(null);
          await refresh();
        }}
      />
      <RelationDialog ws={ws} collection={collection} isOpen={relating} onOpenChange={setRelating} collections={collections.data.map((c) => c.collection)} />
      <DeleteCollection ws={ws} collection={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}

/** Adds or changes a field; a change Cairn says could lose data is shown, then forced only if confirmed. */
function FieldDialog({ ws, collection, field, onClose }: { ws: string; collection: string; field: Field | null; onClose: () => void }) {
  const [draft, setDraft] = useState<FieldDraft>(field ? toDraft(field) : emptyDraft());
  const [lossWarning, setLossWarning] = useState<ApiError | null>(null);
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (force: boolean) =>
      field ? patch(`/w/${ws}/fields/${collection}/${field.field}`, changedOptions(field, draft), force ? { force: true } : undefined) : post(`/w/${ws}/fields/${collection}`, toFieldPayload(draft)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws] });
      onClose();
    },
    onError: (error) => {
      if (field && error instanceof ApiError && error.status === 409) setLossWarning(error);
    },
  });
  return (
    <ModalDialog isOpen onOpenChange={(open) => !open && onClose()} title={field ? `Edit ${field.field}` : 'Add field'} wide>
      <FieldForm draft={draft} onChange={setDraft} onSubmit={() => save.mutate(false)} submitLabel={field ? 'Save field' : 'Add field'} busy={save.isPending} fieldError={errorFor(save.error)}>
        {lossWarning ? (
          <div className="stack">
            <div className="alert" role="alert">
              {lossWarning.message}
            </div>
            <div className="row end">
              <Button variant="danger" onPress={() => save.mutate(true)}>
                Change anyway
              </Button>
            </div>
          </div>
        ) : (
          !errorFor(save.error)(fieldOf(save.error) ?? '') && <ErrorAlert error={save.error} />
        )}
      </FieldForm>
    </ModalDialog>
  );
}

type RelationKind = 'm2o' | 'o2m' | 'm2m';

function RelationDialog({ ws, collection, collections, isOpen, onOpenChange }: { ws: string; collection: string; collections: string[]; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  const [kind, setKind] = useState<RelationKind>('m2o');
  const [related, setRelated] = useState(collections.find((c) => c !== collection) ?? collection);
  const [field, setField] = useState('');
  const [otherField, setOtherField] = useState('');
  const [onDelete, setOnDelete] = useState('SET NULL');
  const [withAlias, setWithAlias] = useState(true);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => {
      // A one-to-many here is a many-to-one on the other collection with its alias on this one.
      const body =
        kind === 'o2m'
          ? { collection: related, field: otherField, related_collection: collection, one_field: field, on_delete: onDelete }
          : { collection, field, related_collection: related, on_delete: onDelete, ...(kind === 'm2m' ? { junction: true } : {}), ...(withAlias && otherField ? { one_field: otherField } : {}) };
      return post<Relation[]>(`/w/${ws}/relations`, body);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws] });
      onOpenChange(false);
      setField('');
      setOtherField('');
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title="Add relation">
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <SelectField
          label="Kind"
          value={kind}
          onChange={(value) => setKind(value as RelationKind)}
          options={[
            { id: 'm2o', label: `Many-to-one: each ${collection} item points to one item` },
            { id: 'o2m', label: `One-to-many: items of another collection point to ${collection}` },
            { id: 'm2m', label: 'Many-to-many, through a junction collection' },
          ]}
        />
        <SelectField label="Related collection" value={related} onChange={setRelated} options={collections.map((c) => ({ id: c, label: c }))} />
        <div className="form-grid">
          <TextInput label={kind === 'o2m' ? `Alias on ${collection}` : `Field on ${collection}`} value={field} onChange={setField} isRequired />
          {kind === 'o2m' ? (
            <TextInput label={`Key field on ${related}`} value={otherField} onChange={setOtherField} isRequired />
          ) : (
            withAlias && <TextInput label={`Alias on ${related} (optional)`} value={otherField} onChange={setOtherField} />
          )}
        </div>
        {kind !== 'o2m' && (
          <Checkbox isSelected={withAlias} onChange={setWithAlias}>
            Show the other side as a field of {related}
          </Checkbox>
        )}
        {kind !== 'm2m' && (
          <SelectField
            label="When the related item is deleted"
            value={onDelete}
            onChange={setOnDelete}
            options={[
              { id: 'SET NULL', label: 'Set the field to null' },
              { id: 'CASCADE', label: 'Delete the referring items too' },
              { id: 'RESTRICT', label: 'Refuse the delete' },
            ]}
          />
        )}
        <ErrorAlert error={create.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Add relation
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}

interface IndexDef {
  name: string;
  fields: string[];
  unique: boolean;
}

/** Composite indexes, where this Cairn has the route (an older one answers 404 and the section hides). */
function Indexes({ ws, collection, fields, canChange }: { ws: string; collection: string; fields: string[]; canChange: boolean }) {
  const queryClient = useQueryClient();
  const indexes = useQuery({
    queryKey: ['w', ws, 'indexes', collection],
    queryFn: () => get<IndexDef[]>(`/w/${ws}/collections/${collection}/indexes`).catch((error) => (error instanceof ApiError && error.status === 404 ? null : Promise.reject(error))),
  });
  const [columns, setColumns] = useState('');
  const [unique, setUnique] = useState(false);
  const create = useMutation({
    mutationFn: () => post(`/w/${ws}/collections/${collection}/indexes`, { fields: columns.split(',').map((c) => c.trim()).filter(Boolean), unique }),
    onSuccess: async () => {
      setColumns('');
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'indexes', collection] });
    },
  });
  if (indexes.data === null || indexes.isPending) return null;
  return (
    <section className="card" aria-labelledby="indexes-title">
      <div className="card-head">
        <h2 id="indexes-title">Indexes</h2>
      </div>
      <ErrorAlert error={indexes.error} />
      {indexes.data && indexes.data.length > 0 && (
        <ListTable
          label="Indexes"
          rows={indexes.data}
          rowKey={(index) => index.name}
          columns={[
            { header: 'Index', cell: (index) => <code>{index.name}</code> },
            { header: 'Fields', cell: (index) => index.fields.join(', ') },
            { header: 'Unique', cell: (index) => index.unique && <span className="badge">unique</span> },
          ]}
          actions={(index) =>
            canChange && (
              <Button
                small
                variant="ghost"
                aria-label={`Drop index ${index.name}`}
                onPress={() => void remove(`/w/${ws}/collections/${collection}/indexes/${index.name}`).then(() => queryClient.invalidateQueries({ queryKey: ['w', ws, 'indexes', collection] }))}
              >
                Drop
              </Button>
            )}
        />
      )}
      {canChange && (
        <Form
          className="card-body row"
          style={{ alignItems: 'end' }}
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <TextInput label="Fields" value={columns} onChange={setColumns} hint={`Comma-separated, "-" for descending: ${fields.slice(0, 2).join(', ')}`} />
          <Checkbox isSelected={unique} onChange={setUnique}>
            Unique
          </Checkbox>
          <Button type="submit">Add index</Button>
        </Form>
      )}
      <div className="card-body">
        <ErrorAlert error={create.error} />
      </div>
    </section>
  );
}
