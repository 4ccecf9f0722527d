import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Heading, Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { get, patch, post, remove } from '../api/client';
import { ApiError } from '../api/errors';
import type { Collection, Item, Relation } from '../api/types';
import { useFlash, useSubscription } from '../lib/use-live';
import { conflicts, follow, takeTheirs, textsOf, valuesToSave, type Conflict, type Texts } from '../lib/versions';
import { ConfirmDialog } from './ConfirmDialog';
import { ConflictDialog } from './ConflictDialog';
import { History } from './History';
import { editableFields, RecordForm } from './RecordForm';
import { Button } from './ui';

interface Draft {
  /** What the form's texts started from, field by field: the item as it was when each was last in step. */
  base: Item;
  texts: Texts;
}

/**
 * The drawer's content for one item: its form, following the item live while it is open, warning before
 * a save would overwrite someone else's change; its history for owners and admins. `item` null is a new
 * item, with `template`'s values when duplicating.
 */
export function RecordPanel({ ws, definition, relations, item, template, canWrite, canSeeHistory, onClose, onSaved, onDuplicate }: {
  ws: string;
  definition: Collection;
  relations: Relation[];
  item: Item | null;
  template?: Item;
  canWrite: boolean;
  canSeeHistory: boolean;
  onClose: () => void;
  onSaved: () => void;
  onDuplicate: (values: Item) => void;
}) {
  const collection = definition.collection;
  const fields = editableFields(definition);
  const queryClient = useQueryClient();
  const id = item?.id;
  const [draft, setDraftState] = useState<Draft>(() => ({ base: item ?? {}, texts: textsOf(fields, item ?? template ?? null) }));
  const current = useRef(draft);
  const setDraft = (next: Draft) => {
    current.current = next;
    setDraftState(next);
  };
  const [latest, setLatest] = useState<Item | null>(item);
  const [gone, setGone] = useState(false);
  const [conflict, setConflict] = useState<{ found: Conflict[]; theirs: Item } | null>(null);
  const [tookTheirs, setTookTheirs] = useState(false);
  const [flashing, flash] = useFlash();

  /** A newer version of the item, from an event or a read: the fields not edited follow it. */
  const receive = (theirs: Item) => {
    const followed = follow(fields, current.current.base, theirs, current.current.texts);
    setDraft({ base: followed.base, texts: followed.texts });
    setLatest(theirs);
    setGone(false);
    flash(followed.followed);
    void queryClient.invalidateQueries({ queryKey: ['w', ws, 'revisions', collection, String(id)] });
    return followed;
  };

  useSubscription(ws, collection, id === undefined ? null : { filter: { id: { _eq: id } }, limit: 1 }, (message) => {
    if (message.event === 'init' || message.event === 'create' || message.event === 'update') {
      const theirs = message.data.find((row) => String(row.id) === String(id));
      if (theirs) receive(theirs);
      else if (message.event === 'init') setGone(true);
    } else if (message.event === 'delete') {
      setGone(true);
      void queryClient.invalidateQueries({ queryKey: ['w', ws, 'revisions', collection, String(id)] });
    }
  });

  const save = useMutation({
    mutationFn: async ({ overwrite }: { overwrite: boolean }): Promise<'saved' | 'conflict' | 'unchanged'> => {
      setTookTheirs(false);
      if (id === undefined) {
        await post<Item>(`/w/${ws}/items/${collection}`, valuesToSave(fields, null, current.current.texts));
        return 'saved';
      }
      if (!overwrite) {
        // The item as it is now: the socket may be reconnecting, or its event still on the way.
        const now = await get<Item>(`/w/${ws}/items/${collection}/${String(id)}`).catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 404) setGone(true);
          throw error;
        });
        const followed = receive(now);
        const found = conflicts(fields, followed.base, now, followed.texts);
        if (found.length > 0) {
          setConflict({ found, theirs: now });
          return 'conflict';
        }
      }
      const values = valuesToSave(fields, current.current.base, current.current.texts);
      if (Object.keys(values).length === 0) return 'unchanged';
      await patch<Item>(`/w/${ws}/items/${collection}/${String(id)}`, values);
      return 'saved';
    },
    onSuccess: (outcome) => {
      if (outcome === 'conflict') return;
      setConflict(null);
      onSaved();
    },
  });

  const existing = id !== undefined;
  const changedElsewhere = existing && latest && !gone ? conflicts(fields, draft.base, latest, draft.texts) : [];
  const record = (
    <div className="stack">
      {existing && latest && (
        <div className="hint">
          Created {String(latest.created_at ?? '')} · updated {String(latest.updated_at ?? '')}
        </div>
      )}
      {gone && (
        <div className="alert" role="alert">
          Someone deleted this item since you opened it.
        </div>
      )}
      {changedElsewhere.length > 0 && (
        <div className="notice warn" role="status">
          Someone else changed {changedElsewhere.map((c) => c.field).join(', ')} since you opened this item. Saving will show both versions first.
        </div>
      )}
      {tookTheirs && (
        <div className="notice" role="status">
          The form shows their version of those fields; nothing was saved.
        </div>
      )}
      <RecordForm
        ws={ws}
        collection={definition}
        relations={relations}
        texts={draft.texts}
        onChange={(field, text) => setDraft({ ...current.current, texts: { ...current.current.texts, [field]: text } })}
        onSubmit={() => save.mutate({ overwrite: false })}
        saving={save.isPending}
        error={save.error}
        submitLabel={existing ? 'Save' : 'Create item'}
        highlighted={flashing}
        isDisabled={gone}
        readOnly={!canWrite}
      />
      {existing && canWrite && !gone && <DeleteItem ws={ws} collection={collection} id={String(id)} onDeleted={onSaved} />}
    </div>
  );

  return (
    <>
      <div className="row">
        <Heading slot="title">{existing ? `${collection} #${String(id)}` : `New ${collection} item`}</Heading>
        <div className="spacer" />
        {existing && canWrite && (
          <Button small onPress={() => onDuplicate(Object.fromEntries(fields.map((f) => [f.field, latest?.[f.field]])))}>
            Duplicate
          </Button>
        )}
        <Button small variant="ghost" onPress={onClose}>
          Close
        </Button>
      </div>
      {existing && canSeeHistory ? (
        <Tabs className="tabs">
          <TabList aria-label="Item views" className="tab-list">
            <Tab id="record" className="tab">
              Record
            </Tab>
            <Tab id="history" className="tab">
              History
            </Tab>
          </TabList>
          {/* The form stays mounted while the history shows, so nothing typed is lost. */}
          <TabPanel id="record" className="tab-panel" shouldForceMount>
            {record}
          </TabPanel>
          <TabPanel id="history" className="tab-panel">
            <History ws={ws} definition={definition} id={String(id)} />
          </TabPanel>
        </Tabs>
      ) : (
        record
      )}
      {conflict && (
        <ConflictDialog
          item={String(id)}
          found={conflict.found}
          busy={save.isPending}
          onClose={() => setConflict(null)}
          onOverwrite={() => save.mutate({ overwrite: true })}
          onTakeTheirs={() => {
            const taken = takeTheirs(fields, current.current.base, conflict.theirs, current.current.texts, conflict.found);
            setDraft(taken);
            flash(conflict.found.map((c) => c.field));
            setConflict(null);
            setTookTheirs(true);
          }}
        />
      )}
    </>
  );
}

function DeleteItem({ ws, collection, id, onDeleted }: { ws: string; collection: string; id: string; onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <div className="row">
        <Button variant="danger" onPress={() => setAsking(true)}>
          Delete item
        </Button>
      </div>
      <ConfirmDialog
        isOpen={asking}
        onOpenChange={setAsking}
        title={`Delete item #${id}?`}
        message="The item is deleted; its revisions stay in the history."
        action="Delete item"
        onConfirm={async () => {
          await remove(`/w/${ws}/items/${collection}/${id}`);
          onDeleted();
        }}
      />
    </>
  );
}
