import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useDeferredValue, useState } from 'react';
import { Form } from 'react-aria-components';
import { get, patch, post, remove } from '../api/client';
import { collectionsQuery } from '../api/queries';
import type { Item } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FilterBuilder } from '../components/FilterBuilder';
import { ListTable } from '../components/ListTable';
import { Topbar } from '../components/Topbar';
import { Button, Checkbox, ErrorAlert, Loading, PageHead, SelectField, TextInput } from '../components/ui';
import { emptyGroup, fromFilterJson, toFilterJson } from '../lib/filter';
import {
  AGGREGATE_FUNCTIONS,
  aggregateObject,
  aggregateTerms,
  draftPreviewQuery,
  emptyView,
  isAggregate,
  publicViewUrl,
  sameQuery,
  splitList,
  viewBody,
  type AggregateFunction,
  type ViewDefinition,
} from '../lib/views';

const viewsQuery = (ws: string) => ({ queryKey: ['w', ws, 'views'], queryFn: () => get<ViewDefinition[]>(`/w/${ws}/views`) });
/** Rows the preview shows: enough to judge the view, few enough to read at a glance. */
const PREVIEW_ROWS = 20;

/** The workspace's views: a list, and an editor whose preview follows the draft as it is edited. */
export default function Views() {
  const { ws } = useParams({ from: '/app/w/$ws/views' });
  const views = useQuery(viewsQuery(ws));
  const queryClient = useQueryClient();
  // The view being edited: null for none, `saved` null for a new one.
  const [editing, setEditing] = useState<{ saved: ViewDefinition | null } | null>(null);
  const [deleting, setDeleting] = useState<ViewDefinition | null>(null);
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Views' }]} />
      <div className="content">
        <PageHead title="Views" sub="Named read-only queries over a collection, read under /items/{view}; a published view answers at a public URL.">
          <Button variant="primary" onPress={() => setEditing({ saved: null })}>
            New view
          </Button>
        </PageHead>
        <ErrorAlert error={views.error} />
        {views.isPending ? (
          <Loading what="views" />
        ) : (
          !views.error && (
            <div className="card">
              <ListTable
                label="Views"
                rows={views.data ?? []}
                rowKey={(view) => view.name}
                empty="No view yet. A view picks fields, rows, groups and computed values of one collection."
                columns={[
                  { header: 'Name', cell: (view) => <code>{view.name}</code> },
                  { header: 'Source', cell: (view) => view.source },
                  { header: 'Kind', cell: (view) => (isAggregate(view) ? 'aggregate' : 'items') },
                  {
                    header: 'Published',
                    cell: (view) =>
                      view.public ? (
                        <a href={publicViewUrl(window.location.origin, ws, view.name)} target="_blank" rel="noreferrer">
                          public URL{view.public_requires_key ? ' (API key)' : ''}
                        </a>
                      ) : (
                        <span className="hint">no</span>
                      ),
                  },
                ]}
                actions={(view) => (
                  <div className="row">
                    <Button small onPress={() => setEditing({ saved: view })} aria-label={`Edit ${view.name}`}>
                      Edit
                    </Button>
                    <Button small variant="ghost" onPress={() => setDeleting(view)} aria-label={`Delete ${view.name}`}>
                      Delete
                    </Button>
                  </div>
                )}
              />
            </div>
          )
        )}
        {editing && <ViewEditor key={editing.saved?.name ?? '(new)'} ws={ws} saved={editing.saved} onSaved={(view) => setEditing({ saved: view })} onClose={() => setEditing(null)} />}
      </div>
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete the view ${deleting?.name ?? ''}?`}
        message="Its rows stay in the source collection; clients reading the view, and its public URL, get 404."
        action="Delete"
        onConfirm={async () => {
          await remove(`/w/${ws}/views/${deleting!.name}`);
          if (editing?.saved?.name === deleting!.name) setEditing(null);
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'views'] });
        }}
      />
    </>
  );
}

function ViewEditor({ ws, saved, onSaved, onClose }: { ws: string; saved: ViewDefinition | null; onSaved: (view: ViewDefinition) => void; onClose: () => void }) {
  const collections = useQuery(collectionsQuery(ws));
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ViewDefinition>(() => saved ?? emptyView());
  const [sortText, setSortText] = useState(() => draft.sort.join(', '));
  const [terms, setTerms] = useState(() => aggregateTerms(draft.aggregate));
  const [computed, setComputed] = useState(() => Object.entries(draft.computed));
  const update = (change: Partial<ViewDefinition>) => setDraft((current) => ({ ...current, ...change }));
  const source = collections.data?.find((c) => c.collection === draft.source);
  const fields = source?.fields.filter((f) => f.type !== 'alias') ?? [];
  const aggregate = isAggregate(draft);

  const save = useMutation({
    mutationFn: () => (saved ? patch<ViewDefinition>(`/w/${ws}/views/${saved.name}`, viewBody(draft)) : post<ViewDefinition>(`/w/${ws}/views`, viewBody(draft))),
    onSuccess: async (view) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'views'] });
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'view-preview'] });
      onSaved(view);
    },
  });

  return (
    <div className="view-editor">
      <Form
        className="card card-body stack"
        aria-label={saved ? `Edit the view ${saved.name}` : 'New view'}
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <h2>{saved ? `Edit ${saved.name}` : 'New view'}</h2>
        <div className="form-grid">
          <TextInput label="Name" value={draft.name} onChange={(name) => update({ name })} isRequired hint="Read at /items/{name}, like a collection." />
          <SelectField
            label="Source collection"
            value={draft.source}
            placeholder="Choose a collection"
            options={(collections.data ?? []).map((c) => ({ id: c.collection, label: c.collection }))}
            onChange={(value) => {
              update({ source: value, fields: [], groupBy: [], filter: null, aggregate: null });
              setTerms([]);
            }}
          />
        </div>
        {source && (
          <>
            <fieldset className="view-fields">
              <legend>Fields{aggregate ? ' (an aggregate view shows its groups instead)' : ''}</legend>
              <div className="row wrap">
                {fields.map((f) => (
                  <Checkbox key={f.field} isSelected={draft.fields.includes(f.field)} onChange={(on) => update({ fields: on ? [...draft.fields, f.field] : draft.fields.filter((x) => x !== f.field) })}>
                    {f.field}
                  </Checkbox>
                ))}
              </div>
              <TextInput
                label="Fields through relations"
                value={draft.fields.filter((x) => x.includes('.')).join(', ')}
                onChange={(text) => update({ fields: [...draft.fields.filter((x) => !x.includes('.')), ...splitList(text)] })}
                hint="Comma-separated paths, e.g. author.name. No field picked shows every field."
              />
            </fieldset>
            <details className="view-filter" open={draft.filter !== null}>
              <summary>Filter{draft.filter ? `: ${JSON.stringify(draft.filter)}` : ' (every row)'}</summary>
              <FilterBuilder
                fields={fields}
                value={(() => {
                  const group = fromFilterJson(draft.filter);
                  return 'error' in group ? emptyGroup() : group;
                })()}
                onApply={(group) => update({ filter: toFilterJson(group) })}
              />
            </details>
            <TextInput
              label="Sort"
              value={sortText}
              onChange={(text) => {
                setSortText(text);
                update({ sort: splitList(text) });
              }}
              hint="Comma-separated fields; a leading minus sorts descending, e.g. -rating, title."
            />
            <fieldset className="view-fields">
              <legend>Group by</legend>
              <div className="row wrap">
                {fields.map((f) => (
                  <Checkbox key={f.field} isSelected={draft.groupBy.includes(f.field)} onChange={(on) => update({ groupBy: on ? [...draft.groupBy, f.field] : draft.groupBy.filter((x) => x !== f.field) })}>
                    {f.field}
                  </Checkbox>
                ))}
              </div>
            </fieldset>
            <fieldset className="view-fields stack">
              <legend>Aggregates</legend>
              {terms.map((term, index) => (
                <div className="row" key={index}>
                  <SelectField
                    label={`Aggregate ${index + 1} function`}
                    hideLabel
                    value={term.fn}
                    options={AGGREGATE_FUNCTIONS.map((fn) => ({ id: fn, label: fn }))}
                    onChange={(fn) => {
                      const next = terms.map((t, i) => (i === index ? { ...t, fn: fn as AggregateFunction } : t));
                      setTerms(next);
                      update({ aggregate: aggregateObject(next) });
                    }}
                  />
                  <SelectField
                    label={`Aggregate ${index + 1} field`}
                    hideLabel
                    value={term.field}
                    options={[...(term.fn === 'count' ? [{ id: '*', label: '* (rows)' }] : []), ...fields.map((f) => ({ id: f.field, label: f.field }))]}
                    onChange={(field) => {
                      const next = terms.map((t, i) => (i === index ? { ...t, field } : t));
                      setTerms(next);
                      update({ aggregate: aggregateObject(next) });
                    }}
                  />
                  <Button
                    small
                    variant="ghost"
                    aria-label={`Remove aggregate ${index + 1}`}
                    onPress={() => {
                      const next = terms.filter((_, i) => i !== index);
                      setTerms(next);
                      update({ aggregate: aggregateObject(next) });
                    }}
                  >
                    Remove
                  </Button>
                </div>
              ))}
              <div className="row">
                <Button
                  small
                  onPress={() => {
                    const next = [...terms, { fn: 'count' as const, field: '*' }];
                    setTerms(next);
                    update({ aggregate: aggregateObject(next) });
                  }}
                >
                  Add aggregate
                </Button>
              </div>
            </fieldset>
            {!aggregate && (
              <fieldset className="view-fields stack">
                <legend>Computed fields</legend>
                {computed.map(([name, expression], index) => (
                  <div className="row" key={index}>
                    <TextInput
                      label={`Computed ${index + 1} name`}
                      value={name}
                      onChange={(value) => {
                        const next = computed.map((entry, i): [string, string] => (i === index ? [value, entry[1]] : entry));
                        setComputed(next);
                        update({ computed: Object.fromEntries(next) });
                      }}
                    />
                    <TextInput
                      className="grow"
                      label={`Computed ${index + 1} expression`}
                      value={expression}
                      placeholder="concat(upper(title), ' by ', status)"
                      onChange={(value) => {
                        const next = computed.map((entry, i): [string, string] => (i === index ? [entry[0], value] : entry));
                        setComputed(next);
                        update({ computed: Object.fromEntries(next) });
                      }}
                    />
                    <Button
                      small
                      variant="ghost"
                      aria-label={`Remove computed ${index + 1}`}
                      onPress={() => {
                        const next = computed.filter((_, i) => i !== index);
                        setComputed(next);
                        update({ computed: Object.fromEntries(next) });
                      }}
                    >
                      Remove
                    </Button>
                  </div>
                ))}
                <div className="row">
                  <Button small onPress={() => setComputed([...computed, ['', '']])}>
                    Add computed field
                  </Button>
                </div>
                <p className="hint">Numbers, &apos;text&apos;, fields, + − × ÷, concat, lower, upper, coalesce. Checked when saved.</p>
              </fieldset>
            )}
          </>
        )}
        <fieldset className="view-fields stack">
          <legend>Publishing</legend>
          <Checkbox isSelected={draft.public} onChange={(value) => update({ public: value })}>
            Published: anyone can read this view&apos;s output at its public URL
          </Checkbox>
          {draft.public && (
            <Checkbox isSelected={draft.public_requires_key} onChange={(value) => update({ public_requires_key: value })}>
              Only with an API key of the workspace
            </Checkbox>
          )}
          {saved?.public && (
            <p>
              Public URL:{' '}
              <a href={publicViewUrl(window.location.origin, ws, saved.name)} target="_blank" rel="noreferrer" data-testid="public-url">
                {publicViewUrl(window.location.origin, ws, saved.name)}
              </a>
            </p>
          )}
          {draft.public && !saved?.public && <p className="hint">The public URL answers once the view is saved.</p>}
        </fieldset>
        <ErrorAlert error={save.error} />
        <div className="row end">
          <Button onPress={onClose}>Close</Button>
          <Button type="submit" variant="primary" isPending={save.isPending}>
            {saved ? 'Save view' : 'Create view'}
          </Button>
        </div>
      </Form>
      <Preview ws={ws} draft={draft} saved={saved} />
    </div>
  );
}

/**
 * The rows the draft would show. Cairn has no route that reads an unsaved view, but a view is exactly the
 * items query of its source with its parts (docs/views.md), so the draft is read that way, live; computed
 * values need the view saved, and once the draft matches what is saved the view itself is read.
 */
function Preview({ ws, draft, saved }: { ws: string; draft: ViewDefinition; saved: ViewDefinition | null }) {
  const deferred = useDeferredValue(draft);
  const readsSaved = saved !== null && sameQuery(deferred, saved);
  const rows = useQuery({
    queryKey: ['w', ws, 'view-preview', readsSaved ? { view: saved.name } : draftPreviewQuery(deferred, PREVIEW_ROWS), deferred.source],
    queryFn: () => (readsSaved ? get<Item[]>(`/w/${ws}/items/${saved.name}`, { limit: PREVIEW_ROWS }) : get<Item[]>(`/w/${ws}/items/${deferred.source}`, draftPreviewQuery(deferred, PREVIEW_ROWS))),
    enabled: Boolean(deferred.source),
    placeholderData: keepPreviousData,
  });
  const columns = [...new Set((rows.data ?? []).flatMap((row) => Object.keys(row)))];
  const pendingComputed = !readsSaved && Object.keys(deferred.computed).some((name) => name.trim()) && !isAggregate(deferred);
  return (
    <section className="card view-preview" aria-label="Preview">
      <div className="card-head">
        <h2>Preview</h2>
        <span className="hint">{readsSaved ? `the saved view, /items/${saved.name}` : 'the draft, read from its source'} · first {PREVIEW_ROWS} rows</span>
      </div>
      <div className="card-body stack">
        {!deferred.source && <p className="hint">Choose a source collection to see rows.</p>}
        {pendingComputed && <p className="hint">Computed values show once the view is saved.</p>}
        <ErrorAlert error={rows.error} />
        {rows.data &&
          (rows.data.length === 0 ? (
            <div className="empty">No row matches.</div>
          ) : (
            // Focusable, so a keyboard can scroll a preview wider or longer than its panel.
            <div className="preview-scroll" tabIndex={0} role="group" aria-label="Preview rows, scrollable">
              <table className="list" aria-label="Preview rows">
                <thead>
                  <tr>
                    {columns.map((column) => (
                      <th key={column} scope="col">
                        {column}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.data.map((row, index) => (
                    <tr key={index}>
                      {columns.map((column) => (
                        <td key={column}>{cellText(row[column])}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </div>
    </section>
  );
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
