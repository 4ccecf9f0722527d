import { useQueries, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { Autocomplete, Dialog, Input, ListBox, ListBoxItem, Modal, ModalOverlay, SearchField } from 'react-aria-components';
import { collectionsQuery, workspacesQuery } from '../api/queries';
import type { Workspace } from '../api/types';
import { fuzzyFilter } from '../lib/fuzzy';

/** Collections are read for at most this many workspaces; the rest still offer their screens. */
const COLLECTION_WORKSPACES = 25;
/** What the list shows at once: a query narrows the rest down. */
const SHOWN = 60;

type Target =
  | { to: '/w/$ws/collections' | '/w/$ws/webhooks' | '/w/$ws/flows' | '/w/$ws/members' | '/w/$ws/api-keys' | '/w/$ws/settings' | '/w/$ws/app-users'; params: { ws: string } }
  | { to: '/w/$ws/files' | '/w/$ws/access'; params: { ws: string } }
  | { to: '/w/$ws/collections/$collection' | '/w/$ws/collections/$collection/schema'; params: { ws: string; collection: string } }
  | { to: '/workspaces'; params?: undefined };

interface Entry {
  id: string;
  label: string;
  /** Where it is: the workspace's name, or the instance. */
  where: string;
  kind: string;
  target: Target;
}

const SCREENS: { label: string; to: '/w/$ws/collections' | '/w/$ws/files' | '/w/$ws/webhooks' | '/w/$ws/flows' | '/w/$ws/members' | '/w/$ws/api-keys' | '/w/$ws/settings' | '/w/$ws/app-users' | '/w/$ws/access' }[] = [
  { label: 'Collections', to: '/w/$ws/collections' },
  { label: 'Files', to: '/w/$ws/files' },
  { label: 'Webhooks', to: '/w/$ws/webhooks' },
  { label: 'Flows', to: '/w/$ws/flows' },
  { label: 'Members', to: '/w/$ws/members' },
  { label: 'API keys', to: '/w/$ws/api-keys' },
  { label: 'Settings', to: '/w/$ws/settings' },
  { label: 'App users', to: '/w/$ws/app-users' },
  { label: 'Roles & policies', to: '/w/$ws/access' },
];

/**
 * Ctrl/Cmd-K: every workspace, collection (data and schema) and screen, filtered fuzzily as one types,
 * chosen with the arrow keys and Enter. The open workspace's entries come first.
 */
export default function CommandPalette({ isOpen, onOpenChange, ws }: { isOpen: boolean; onOpenChange: (open: boolean) => void; ws?: string }) {
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const workspaces = useQuery(workspacesQuery());
  const ordered = useMemo(() => {
    const list = workspaces.data ?? [];
    return [...list.filter((w) => w.slug === ws), ...list.filter((w) => w.slug !== ws)];
  }, [workspaces.data, ws]);
  const collections = useQueries({ queries: ordered.slice(0, COLLECTION_WORKSPACES).map((w) => ({ ...collectionsQuery(w.slug), enabled: isOpen })) });
  // useQueries answers a new array on every render; the names as one string change only when a list does.
  const collectionNames = collections.map((c) => c.data?.map((d) => d.collection).join('\n') ?? '').join('\0');

  const entries = useMemo(() => {
    const list: Entry[] = [];
    const names = collectionNames.split('\0');
    ordered.forEach((w: Workspace, index) => {
      const where = w.name;
      for (const collection of names[index]?.split('\n').filter(Boolean) ?? []) {
        list.push({ id: `${w.slug}/c/${collection}`, label: collection, where, kind: 'Data', target: { to: '/w/$ws/collections/$collection', params: { ws: w.slug, collection } } });
        list.push({ id: `${w.slug}/s/${collection}`, label: `${collection} schema`, where, kind: 'Schema', target: { to: '/w/$ws/collections/$collection/schema', params: { ws: w.slug, collection } } });
      }
      for (const screen of SCREENS) list.push({ id: `${w.slug}/${screen.label}`, label: screen.label, where, kind: 'Screen', target: { to: screen.to, params: { ws: w.slug } } });
      list.push({ id: `${w.slug}/workspace`, label: w.name, where: w.slug, kind: 'Workspace', target: { to: '/w/$ws/collections', params: { ws: w.slug } } });
    });
    list.push({ id: 'workspaces', label: 'All workspaces', where: 'Instance', kind: 'Screen', target: { to: '/workspaces' } });
    return list;
  }, [ordered, collectionNames]);

  const shown = useMemo(() => fuzzyFilter(entries, query, (e) => `${e.label} ${e.where}`).slice(0, SHOWN), [entries, query]);

  const close = (open: boolean) => {
    if (!open) setQuery('');
    onOpenChange(open);
  };
  const go = (id: string) => {
    const entry = entries.find((e) => e.id === id);
    if (!entry) return;
    close(false);
    const { target } = entry;
    if (target.to === '/workspaces') void navigate({ to: '/workspaces' });
    else if (target.to === '/w/$ws/files') void navigate({ to: target.to, params: target.params, search: { folder: undefined } });
    else if (target.to === '/w/$ws/collections/$collection' || target.to === '/w/$ws/access') void navigate({ to: target.to, params: target.params, search: {} });
    else void navigate({ to: target.to, params: target.params });
  };

  return (
    <ModalOverlay className="overlay palette-overlay" isOpen={isOpen} onOpenChange={close} isDismissable>
      <Modal className="modal palette">
        <Dialog className="palette-dialog" aria-label="Command palette">
          <Autocomplete inputValue={query} onInputChange={setQuery}>
            <SearchField className="palette-search" aria-label="Go to" autoFocus>
              <Input placeholder="Go to a workspace, collection or screen…" />
            </SearchField>
            {/* The list scrolls when long; as a tab stop of its own it can be scrolled from the keyboard as well. */}
            <div className="palette-scroll" role="group" aria-label="Results" tabIndex={0}>
              <ListBox
                className="listbox palette-list"
                aria-label="Places"
                items={shown}
                onAction={(key) => go(String(key))}
                renderEmptyState={() => <div className="empty">{workspaces.isPending ? 'Loading…' : 'Nothing matches.'}</div>}
              >
                {(entry) => (
                  // One text, so the option's name is what it shows (kind and workspace told apart by a dash).
                  <ListBoxItem className="listbox-item palette-item" id={entry.id} textValue={`${entry.label} — ${entry.kind} · ${entry.where}`}>
                    <span className="palette-label">{entry.label}</span>
                    <span className="palette-where">
                      {' — '}
                      {entry.kind} · {entry.where}
                    </span>
                  </ListBoxItem>
                )}
              </ListBox>
            </div>
          </Autocomplete>
          <div className="palette-keys hint" aria-hidden="true">
            ↑↓ to choose · Enter to go · Esc to close
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
