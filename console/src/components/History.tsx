import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { get, post } from '../api/client';
import { apiKeysQuery, membersQuery } from '../api/queries';
import { sessions } from '../api/session';
import type { Collection, Item } from '../api/types';
import { formatValue } from '../lib/fields';
import { ConfirmDialog } from './ConfirmDialog';
import { Button, ErrorAlert, Loading } from './ui';

interface Revision {
  id: string;
  item: string;
  data: Item | null;
  delta: Item | null;
  created_at: string;
  activity: { action: string; actor_type: string; actor_id: string | null } | null;
}

/** Fields Cairn writes itself: they change with every write and say nothing of it. */
const SYSTEM = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by']);
/** The newest changes of an item shown; older ones stay readable through the API. */
const LIMIT = 50;

/** Names who made a change, from its activity row: you, a member by name, or an API key by name. */
export function useActorName(ws: string): (actor: { actor_type: string; actor_id: string | null } | null) => string {
  const members = useQuery(membersQuery(ws));
  const keys = useQuery(apiKeysQuery(ws));
  return (actor) => {
    if (!actor?.actor_id) return actor?.actor_type === 'api_key' ? 'an API key' : 'unknown';
    if (actor.actor_type === 'api_key') return `API key ${keys.data?.find((k) => k.id === actor.actor_id)?.name ?? actor.actor_id.slice(0, 8)}`;
    if (actor.actor_id === sessions.session?.user.id) return 'you';
    const member = members.data?.find((m) => m.id === actor.actor_id);
    return member ? (member.name ?? member.email) : `account ${actor.actor_id.slice(0, 8)}`;
  };
}

export const revisionsQuery = (ws: string, collection: string, id: string) => ({
  queryKey: ['w', ws, 'revisions', collection, id],
  queryFn: () =>
    get<Revision[]>(`/w/${ws}/revisions`, {
      filter: JSON.stringify({ collection: { _eq: collection }, item: { _eq: id } }),
      // Revision ids are UUIDv7: they order changes made within the same millisecond.
      sort: '-created_at,-id',
      fields: 'id,item,data,delta,created_at,activity.action,activity.actor_type,activity.actor_id',
      limit: LIMIT,
    }),
});

/**
 * An item's history, newest first: who changed what and when, from its revisions and their activity rows,
 * each with the values before and after; any earlier version can be written back (a revert is itself a
 * new change, with its own revision). Owners and admins only, as the routes are.
 */
export function History({ ws, definition, id }: { ws: string; definition: Collection; id: string }) {
  const queryClient = useQueryClient();
  const revisions = useQuery(revisionsQuery(ws, definition.collection, id));
  const actorName = useActorName(ws);
  const [reverting, setReverting] = useState<Revision | null>(null);
  const types = new Map(definition.fields.map((f) => [f.field, f.type]));
  const show = (field: string, value: unknown) => {
    const text = formatValue(types.get(field) ?? 'json', value).replace(/\s+/g, ' ');
    return text === '' ? 'null' : text.length > 80 ? `${text.slice(0, 79)}…` : text;
  };
  const who = (revision: Revision): string => actorName(revision.activity);

  if (revisions.error) return <ErrorAlert error={revisions.error} />;
  if (!revisions.data) return <Loading what="the history" />;
  const list = revisions.data;
  if (list.length === 0) return <p className="hint">No change of this item is recorded.</p>;
  return (
    <div className="stack">
      <ol className="history" aria-label={`Changes of item #${id}, newest first`}>
        {list.map((revision, index) => {
          const action = revision.activity?.action ?? 'change';
          const before = list[index + 1]?.data ?? null;
          const changed = action === 'delete' ? [] : Object.keys(revision.delta ?? {}).filter((field) => !SYSTEM.has(field));
          const when = new Date(revision.created_at);
          return (
            <li key={revision.id} className="history-entry">
              <div className="row">
                <span className={`badge action-${action}`}>{action}</span>
                <span>
                  by <strong>{who(revision)}</strong>
                </span>
                <time dateTime={revision.created_at} className="hint">
                  {when.toLocaleString()}
                </time>
                <div className="spacer" />
                {index === 0 ? (
                  <span className="hint">Current version</span>
                ) : (
                  revision.data && (
                    <Button small onPress={() => setReverting(revision)}>
                      Revert to this
                    </Button>
                  )
                )}
              </div>
              {changed.length > 0 && (
                <ul className="changes">
                  {changed.map((field) => (
                    <li key={field}>
                      <code>{field}</code>{' '}
                      {action === 'update' && before ? (
                        <>
                          <del>{show(field, before[field])}</del> → <ins>{show(field, revision.delta?.[field])}</ins>
                        </>
                      ) : (
                        <span>{show(field, revision.delta?.[field])}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      {list.length === LIMIT && <p className="hint">The {LIMIT} newest changes are shown.</p>}
      <ConfirmDialog
        isOpen={reverting !== null}
        onOpenChange={(open) => !open && setReverting(null)}
        title={`Revert item #${id}?`}
        message={
          reverting && (
            <>
              Item #{id} gets back the values it had after the {reverting.activity?.action ?? 'change'} of {new Date(reverting.created_at).toLocaleString()}. The revert is saved as a new change, so it can be
              undone the same way.
            </>
          )
        }
        action="Revert"
        onConfirm={async () => {
          await post(`/w/${ws}/revisions/${reverting!.id}/revert`, undefined);
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'revisions', definition.collection, id] });
          await queryClient.invalidateQueries({ queryKey: ['w', ws, 'items', definition.collection] });
        }}
      />
    </div>
  );
}
