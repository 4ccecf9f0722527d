import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { get, post } from '../api/client';
import { apiKeysQuery, collectionsQuery, membersQuery } from '../api/queries';
import type { Item } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useActorName } from '../components/History';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, PageHead, SelectField, TextInput } from '../components/ui';
import { activityFilter, revisionChanges, type ActivityFilters } from '../lib/activity';

interface ActivityRow {
  id: string;
  action: 'create' | 'update' | 'delete';
  collection: string;
  item: string;
  actor_type: string;
  actor_id: string | null;
  created_at: string;
}

interface Revision {
  id: string;
  data: Item | null;
  delta: Item | null;
  created_at: string;
}

/** Rows a page shows; the log reads on with "Show older". */
const PAGE = 50;
const ANY = '';

/**
 * The workspace's activity, newest first, filtered by who, what, which collection and when (kept in the
 * address); each change opens to its diff against the item's revision before it, and can be reverted.
 */
export default function Activity() {
  const { ws } = useParams({ from: '/app/w/$ws/activity' });
  const search = useSearch({ from: '/app/w/$ws/activity' });
  const navigate = useNavigate({ from: '/w/$ws/activity' });
  const [pages, setPages] = useState(1);
  const collections = useQuery(collectionsQuery(ws));
  const members = useQuery(membersQuery(ws));
  const keys = useQuery(apiKeysQuery(ws));
  const actorName = useActorName(ws);
  const filter = activityFilter(search);
  const activity = useQuery({
    queryKey: ['w', ws, 'activity', filter, pages],
    queryFn: () => get<ActivityRow[]>(`/w/${ws}/activity`, { filter: filter ? JSON.stringify(filter) : undefined, sort: '-created_at,-id', limit: PAGE * pages }),
    placeholderData: keepPreviousData,
  });
  const [open, setOpen] = useState<string | null>(null);
  const choose = (change: Partial<ActivityFilters>) => {
    setPages(1);
    void navigate({ search: (s) => ({ ...s, ...Object.fromEntries(Object.entries(change).map(([k, v]) => [k, v || undefined])) }) });
  };
  const whoOptions = [
    { id: ANY, label: 'Anyone' },
    ...(members.data ?? []).map((m) => ({ id: m.id, label: m.name ?? m.email })),
    ...(keys.data ?? []).map((k) => ({ id: k.id, label: `API key ${k.name}` })),
  ];
  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Activity' }]} />
      <div className="content">
        <PageHead title="Activity" sub="Every item change in this workspace, newest first. Open one to see what it changed and to revert it." />
        <div className="card card-body activity-filters" role="search" aria-label="Filter the activity">
          <SelectField label="Who" value={search.who ?? ANY} options={whoOptions} onChange={(who) => choose({ who })} />
          <SelectField
            label="Action"
            value={search.action ?? ANY}
            options={[{ id: ANY, label: 'Any action' }, ...['create', 'update', 'delete'].map((a) => ({ id: a, label: a }))]}
            onChange={(action) => choose({ action })}
          />
          <SelectField
            label="Collection"
            value={search.collection ?? ANY}
            options={[{ id: ANY, label: 'Any collection' }, ...(collections.data ?? []).map((c) => ({ id: c.collection, label: c.collection }))]}
            onChange={(collection) => choose({ collection })}
          />
          <TextInput label="From (UTC)" type="date" value={search.since ?? ''} onChange={(since) => choose({ since })} />
          <TextInput label="To (UTC)" type="date" value={search.until ?? ''} onChange={(until) => choose({ until })} />
          {filter && (
            <Button small variant="ghost" onPress={() => choose({ who: '', action: '', collection: '', since: '', until: '' })}>
              Clear filters
            </Button>
          )}
        </div>
        <ErrorAlert error={activity.error} />
        {activity.isPending ? (
          <Loading what="the activity" />
        ) : (
          activity.data &&
          (activity.data.length === 0 ? (
            <div className="card empty">{filter ? 'No change matches these filters.' : 'No item has been changed in this workspace yet.'}</div>
          ) : (
            <ol className="history activity-list" aria-label="Changes, newest first">
              {activity.data.map((row) => (
                <li key={row.id} className="history-entry">
                  <div className="row">
                    <span className={`badge action-${row.action}`}>{row.action}</span>
                    <span>
                      <code>{row.collection}</code> #{row.item} by <strong>{actorName(row)}</strong>
                    </span>
                    <time dateTime={row.created_at} className="hint">
                      {new Date(row.created_at).toLocaleString()}
                    </time>
                    <div className="spacer" />
                    <Button small onPress={() => setOpen(open === row.id ? null : row.id)} aria-expanded={open === row.id} aria-label={`${open === row.id ? 'Hide changes' : 'Show changes'} of ${row.action} ${row.collection} #${row.item}`}>
                      {open === row.id ? 'Hide changes' : 'Show changes'}
                    </Button>
                  </div>
                  {open === row.id && <ChangeDetail ws={ws} row={row} />}
                </li>
              ))}
            </ol>
          ))
        )}
        {activity.data?.length === PAGE * pages && (
          <div className="row">
            <Button onPress={() => setPages(pages + 1)}>Show older</Button>
          </div>
        )}
      </div>
    </>
  );
}

/** One change: its revision's diff against the item's revision before it, and a revert after confirmation. */
function ChangeDetail({ ws, row }: { ws: string; row: ActivityRow }) {
  const queryClient = useQueryClient();
  const [reverting, setReverting] = useState(false);
  // This change's revision, then the item's revisions up to it, newest first: the one after it in that list is the one before it.
  const own = useQuery({
    queryKey: ['w', ws, 'revisions', 'of-activity', row.id],
    queryFn: () => get<Revision[]>(`/w/${ws}/revisions`, { filter: JSON.stringify({ activity: { _eq: row.id } }), fields: 'id,data,delta,created_at', limit: 1 }),
  });
  const revision = own.data?.[0];
  const earlier = useQuery({
    queryKey: ['w', ws, 'revisions', row.collection, row.item, 'until', revision?.id],
    queryFn: () =>
      get<Revision[]>(`/w/${ws}/revisions`, {
        filter: JSON.stringify({ _and: [{ collection: { _eq: row.collection } }, { item: { _eq: row.item } }, { created_at: { _lte: revision!.created_at } }] }),
        // Revision ids are UUIDv7: they order changes made within the same millisecond.
        sort: '-created_at,-id',
        fields: 'id,data',
        limit: 20,
      }),
    enabled: revision !== undefined,
  });
  const error = own.error ?? earlier.error;
  if (error) return <ErrorAlert error={error} />;
  if (own.data && !revision) return <p className="hint">This change has no revision recorded.</p>;
  if (!revision || !earlier.data) return <Loading what="the changes" />;
  const index = earlier.data.findIndex((r) => r.id === revision.id);
  const previous = index >= 0 ? (earlier.data[index + 1] ?? null) : null;
  const changes = revisionChanges(row.action, revision, previous);
  const show = (value: unknown) => (value === undefined ? '—' : value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return (
    <div className="stack activity-detail">
      {changes.length === 0 ? (
        <p className="hint">No value changed.</p>
      ) : (
        <table className="list diff-table" aria-label={`What ${row.action} ${row.collection} #${row.item} changed`}>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.field}>
                <th scope="row">
                  <code>{change.field}</code>
                </th>
                <td>{change.before === undefined ? <span className="hint">—</span> : <del>{show(change.before)}</del>}</td>
                <td>{change.after === undefined ? <span className="hint">—</span> : <ins>{show(change.after)}</ins>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revision.data && (
        <div className="row end">
          <Button small onPress={() => setReverting(true)}>
            Revert to this version
          </Button>
        </div>
      )}
      <ConfirmDialog
        isOpen={reverting}
        onOpenChange={setReverting}
        title={`Revert ${row.collection} #${row.item}?`}
        message={
          <>
            {row.collection} #{row.item} gets back the values it had {row.action === 'delete' ? 'just before it was deleted (it is created again)' : `after this ${row.action}`}. The revert is saved as a new change, so it can be undone
            the same way.
          </>
        }
        action="Revert"
        onConfirm={async () => {
          await post(`/w/${ws}/revisions/${revision.id}/revert`, undefined);
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'activity'] });
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'revisions'] });
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'items', row.collection] });
        }}
      />
    </div>
  );
}
