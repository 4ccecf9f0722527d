import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { createColumnHelper, getCoreRowModel, useReactTable, type ColumnSizingState, type VisibilityState } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Dialog, DialogTrigger, Modal, ModalOverlay, Popover, Heading } from 'react-aria-components';
import type { LiveStatus } from '../api/realtime';
import { api, get, patch, remove } from '../api/client';
import { collectionsQuery, relationsQuery, workspaceQuery } from '../api/queries';
import type { Collection, Field, Item } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConflictDialog } from '../components/ConflictDialog';
import { FilterBuilder } from '../components/FilterBuilder';
import { editableFields } from '../components/RecordForm';
import { RecordPanel } from '../components/RecordPanel';
import { Topbar } from '../components/Topbar';
import { viewItems, ViewAsBanner, ViewAsPicker, ViewAsRecord, type ItemsView } from '../components/ViewAs';
import { Button, Checkbox, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { loadColumnPrefs, nextSort, saveColumnPrefs } from '../lib/columns';
import { formatValue, parseForWrite, parseValue } from '../lib/fields';
import { isUserField, pageFields, peopleLabels, personCell } from '../lib/people';
import { useGridKeys } from '../lib/grid-keys';
import { emptyGroup, fromFilterJson, toFilterJson, type Group } from '../lib/filter';
import { sortedFields } from '../lib/live-rows';
import type { Conflict } from '../lib/versions';
import { useFlash, useLiveGrid, useLiveStatus } from '../lib/use-live';
import { managesWorkspace, writesItems } from '../lib/roles';
import { formatViewAs, parseViewAs } from '../lib/view-as';

// Import and export are their own chunk, loaded when first used.
const ImportDialog = lazy(() => import('../components/ImportExport'));

const PAGE = 100;
const ROW_HEIGHT = 36;
const columnHelper = createColumnHelper<Item>();
const INLINE_TYPES = new Set<Field['type']>(['string', 'text', 'integer', 'bigint', 'float', 'decimal', 'date', 'time', 'uuid']);

export default function Explorer() {
  const { ws, collection } = useParams({ from: '/app/w/$ws/collections/$collection' });
  const collections = useQuery(collectionsQuery(ws));
  const definition = collections.data?.find((c) => c.collection === collection);
  if (collections.error) return <div className="content"><ErrorAlert error={collections.error} /></div>;
  if (!collections.data) return <Loading what="the collection" />;
  if (!definition) return <div className="content"><ErrorAlert error={new Error(`This workspace has no collection ${collection}.`)} /></div>;
  return <Grid key={`${ws}/${collection}`} ws={ws} definition={definition} />;
}

function Grid({ ws, definition }: { ws: string; definition: Collection }) {
  const collection = definition.collection;
  const search = useSearch({ from: '/app/w/$ws/collections/$collection' });
  const navigate = useNavigate({ from: '/w/$ws/collections/$collection' });
  const queryClient = useQueryClient();
  const workspace = useQuery(workspaceQuery(ws));
  const relations = useQuery(relationsQuery(ws));
  const canSeeHistory = managesWorkspace(workspace.data?.role);
  // Viewing as someone else: the grid reads as they would, and writes are explained, not made.
  const viewing = useMemo(() => (canSeeHistory ? parseViewAs(search.as) : null), [canSeeHistory, search.as]);
  const canWrite = writesItems(workspace.data?.role) && !viewing;
  const sort = useMemo(() => (search.sort ? search.sort.split(',') : []), [search.sort]);
  const filterGroup = useMemo<Group>(() => {
    if (!search.filter) return emptyGroup();
    try {
      const group = fromFilterJson(JSON.parse(search.filter));
      return 'error' in group ? emptyGroup() : group;
    } catch {
      return emptyGroup();
    }
  }, [search.filter]);
  const [searchText, setSearchText] = useState(search.q ?? '');
  const [prefs, setPrefs] = useState(() => loadColumnPrefs(ws, collection));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** The item the drawer shows: an existing one, or a new one (with a duplicate's values). */
  const [open, setOpen] = useState<{ item: Item | null; template?: Item } | null>(null);
  const [bulkDeleting, setBulkDeleting] = useState(false);
  const [bulkEditing, setBulkEditing] = useState(false);
  const [editingCell, setEditingCell] = useState<{ id: string; field: string } | null>(null);
  const [inlineConflict, setInlineConflict] = useState<{ id: string; field: string; next: unknown; found: Conflict[] } | null>(null);
  const [importing, setImporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  // The key first, then the collection's own fields, then the other system fields (timestamps, authors).
  const fields = useMemo(() => definition.fields.filter((f) => f.type !== 'alias').sort((a, b) => columnRank(a) - columnRank(b)), [definition]);
  const query = { sort: sort.join(',') || undefined, filter: search.filter || undefined, search: search.q || undefined };
  const baseKey = ['w', ws, 'items', collection, query] as const;

  useEffect(() => saveColumnPrefs(ws, collection, prefs), [ws, collection, prefs]);
  // Searching as one types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((search.q ?? '') !== searchText) void navigate({ search: (s) => ({ ...s, q: searchText || undefined }), replace: true });
    }, 300);
    return () => clearTimeout(timer);
  }, [searchText, search.q, navigate]);

  // The count does not depend on the sort: a new sort asks only for rows, not for a sorted row and two counts.
  const countQuery = { filter: query.filter, search: query.search };
  const count = useQuery({
    queryKey: ['w', ws, 'items', collection, countQuery, 'count', search.as],
    queryFn: (): Promise<Pick<ItemsView, 'meta'> & Partial<ItemsView>> =>
      viewing
        ? viewItems(ws, collection, viewing, { ...countQuery, limit: 1 })
        : api('GET', `/w/${ws}/items/${collection}`, { query: { ...countQuery, limit: 1, fields: 'id', meta: 'filter_count,total_count' } }),
    placeholderData: keepPreviousData,
  });
  const total = count.data?.meta.filter_count ?? 0;

  const hiddenFields = count.data?.hidden_fields;
  const columns = useMemo(
    () =>
      fields.filter((f) => !hiddenFields?.some((hidden) => hidden.field === f.field)).map((f) => columnHelper.accessor((row) => row[f.field], { id: f.field, header: f.field, size: f.field === 'id' ? 90 : 180, minSize: 60 })),
    [fields, hiddenFields],
  );
  const visibility: VisibilityState = Object.fromEntries(prefs.hidden.map((h) => [h, false]));
  const table = useReactTable({
    data: [],
    columns,
    getCoreRowModel: getCoreRowModel(),
    columnResizeMode: 'onChange',
    state: { columnVisibility: visibility, columnSizing: prefs.widths as ColumnSizingState },
    onColumnSizingChange: (updater) => setPrefs((p) => ({ ...p, widths: typeof updater === 'function' ? updater(p.widths) : updater })),
    onColumnVisibilityChange: () => undefined,
  });
  const visibleColumns = table.getVisibleLeafColumns();
  const width = 44 + visibleColumns.reduce((sum, c) => sum + c.getSize(), 0);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const virtualRows = virtualizer.getVirtualItems();
  const firstPage = virtualRows.length ? Math.floor(virtualRows[0].index / PAGE) : 0;
  const lastPage = virtualRows.length ? Math.floor(virtualRows[virtualRows.length - 1].index / PAGE) : 0;
  const pageNumbers = total === 0 ? [] : Array.from({ length: lastPage - firstPage + 1 }, (_, i) => firstPage + i);
  const pages = useQueries({
    queries: pageNumbers.map((page) => ({
      // Pages read as someone else are kept apart: live changes patch the caller's own pages only.
      queryKey: viewing ? ['w', ws, 'items-as', search.as, collection, query, 'page', page] : [...baseKey, 'page', page],
      queryFn: () =>
        viewing
          ? viewItems(ws, collection, viewing, { ...query, limit: PAGE, offset: page * PAGE }).then((view) => view.data)
          : get<Item[]>(`/w/${ws}/items/${collection}`, { ...query, fields: pageFields(fields), limit: PAGE, offset: page * PAGE }),
      staleTime: 30_000,
    })),
  });
  // People's names, read beside the ids of user fields, for the cells (a live change brings bare ids).
  const labels = peopleLabels(pages.flatMap((p) => p.data ?? []), fields);
  const rowAt = (index: number): Item | undefined => pages[pageNumbers.indexOf(Math.floor(index / PAGE))]?.data?.[index % PAGE];
  const pageError = pages.find((p) => p.error)?.error;
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['w', ws, 'items', collection] });

  const saved = async () => {
    await invalidate();
    await queryClient.invalidateQueries({ queryKey: ['w', ws, 'row-counts'] });
  };
  const save = useMutation({
    mutationFn: ({ id, values }: { id: string; values: Item }) => patch<Item>(`/w/${ws}/items/${collection}/${id}`, values),
    onSuccess: async () => {
      setEditingCell(null);
      await saved();
    },
  });

  // The view follows changes made elsewhere; rows they touch are highlighted for a moment.
  const [flashing, flash] = useFlash();
  const liveStatus = useLiveStatus(ws);
  const liveFilter = useMemo(() => (filterGroup.children.length ? toFilterJson(filterGroup) : undefined), [filterGroup]);
  useLiveGrid({ ws, collection, filter: liveFilter, search: search.q, sort, sortFields: sortedFields(sort), pages: viewing ? [] : pageNumbers, pageSize: PAGE, onChanged: flash });

  const applySort = (field: string, additive: boolean) => void navigate({ search: (s) => ({ ...s, sort: nextSort(sort, field, additive).join(',') || undefined }) });
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const canEditInline = (field: Field) => canWrite && INLINE_TYPES.has(field.type) && !field.system;
  // Arrows move between cells; Enter edits a cell inline where it can, else opens the item; Space selects.
  const keys = useGridKeys({
    rows: total,
    cols: visibleColumns.length + 1,
    rendered: { first: virtualRows[0]?.index ?? 0, last: virtualRows[virtualRows.length - 1]?.index ?? 0 },
    scrollToRow: (index) => virtualizer.scrollToIndex(index),
    onActivate: ({ row: index, col }) => {
      const row = rowAt(index);
      const field = col > 0 ? fields.find((f) => f.field === visibleColumns[col - 1].id) : undefined;
      if (row && field && canEditInline(field)) setEditingCell({ id: String(row.id), field: field.field });
      else if (row) setOpen({ item: row });
    },
    onToggle: ({ row: index }) => {
      const row = rowAt(index);
      if (row && canWrite) toggle(String(row.id));
    },
  });

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Collections', to: <Link to="/w/$ws/collections" params={{ ws }}>Collections</Link> }, { label: collection }]}>
        <Link to="/w/$ws/collections/$collection/schema" params={{ ws, collection }} className="btn">
          Schema
        </Link>
        {canSeeHistory && <ViewAsPicker ws={ws} onPick={(as) => void navigate({ search: (s) => ({ ...s, as: formatViewAs(as) }) })} />}
        <DialogTrigger>
          <Button isDisabled={!!viewing}>Export</Button>
          <Popover className="popover">
            <Dialog className="dialog" aria-label="Export">
              {({ close }) => (
                <div className="menu-list">
                  <p className="hint">The visible columns of every item of the current filter, search and sort.</p>
                  {(['csv', 'json'] as const).map((format) => (
                    <Button
                      key={format}
                      onPress={() => {
                        close();
                        setExportError(null);
                        import('../components/ImportExport')
                          .then(({ downloadExport }) => downloadExport(ws, collection, format, { ...query, fields: visibleColumns.map((c) => c.id).join(',') || undefined }))
                          .catch(setExportError);
                      }}
                    >
                      Export as {format.toUpperCase()}
                    </Button>
                  ))}
                </div>
              )}
            </Dialog>
          </Popover>
        </DialogTrigger>
        {canWrite && <Button onPress={() => setImporting(true)}>Import</Button>}
        {canWrite && (
          <Button variant="primary" onPress={() => setOpen({ item: null })}>
            New item
          </Button>
        )}
      </Topbar>
      <div className="content">
        <PageHead title={collection} sub={count.data ? `${total.toLocaleString()} of ${count.data.meta.total_count.toLocaleString()} items` : ' '} />
        {viewing && <ViewAsBanner ws={ws} collection={collection} as={viewing} read={count.data} query={query} onStop={() => void navigate({ search: (s) => ({ ...s, as: undefined }) })} />}
        <ErrorAlert error={exportError} />
        <div className="toolbar">
          <div style={{ width: 260 }}>
            <TextInput label="Search" value={searchText} onChange={setSearchText} placeholder="Search text fields" />
          </div>
          <DialogTrigger>
            <Button>{filterGroup.children.length ? `Filter (${filterGroup.children.length})` : 'Filter'}</Button>
            <ModalOverlay className="overlay" isDismissable>
              <Modal className="modal wide">
                <Dialog className="dialog">
                  {({ close }) => (
                    <>
                      <Heading slot="title">Filter {collection}</Heading>
                      <FilterBuilder
                        fields={fields}
                        value={filterGroup}
                        onApply={(group) => {
                          const json = toFilterJson(group);
                          void navigate({ search: (s) => ({ ...s, filter: json ? JSON.stringify(json) : undefined }) });
                          close();
                        }}
                      />
                    </>
                  )}
                </Dialog>
              </Modal>
            </ModalOverlay>
          </DialogTrigger>
          <DialogTrigger>
            <Button>Columns</Button>
            <Popover className="popover">
              <Dialog className="dialog" aria-label="Columns">
                {fields.map((f) => (
                  <Checkbox
                    key={f.field}
                    isSelected={!prefs.hidden.includes(f.field)}
                    onChange={(on) => setPrefs((p) => ({ ...p, hidden: on ? p.hidden.filter((h) => h !== f.field) : [...p.hidden, f.field] }))}
                  >
                    {f.field}
                  </Checkbox>
                ))}
              </Dialog>
            </Popover>
          </DialogTrigger>
          {sort.length > 0 && <span className="hint">Sorted by {sort.join(', ')}</span>}
          <div className="spacer" />
          <LiveBadge status={liveStatus} />
          {canWrite && selected.size > 0 && (
            <>
              <span className="hint">{selected.size} selected</span>
              <Button onPress={() => setBulkEditing(true)}>Edit selected</Button>
              <Button variant="danger" onPress={() => setBulkDeleting(true)}>
                Delete selected
              </Button>
            </>
          )}
        </div>
        <ErrorAlert error={count.error ?? pageError ?? save.error} />
        <div className="card grid-wrap" ref={scroller}>
          <div role="grid" ref={keys.grid} onKeyDown={keys.onKeyDown} aria-label={`Items of ${collection}`} aria-rowcount={total + 1} aria-colcount={visibleColumns.length + 1} className="grid" style={{ width }}>
            <div role="row" aria-rowindex={1} className="grid-head" style={{ width }}>
              <div role="columnheader" className="cell head-cell" style={{ width: 44 }}>
                <span className="sr-only">Selected</span>
              </div>
              {table.getHeaderGroups()[0].headers.map((header) => {
                const field = header.column.id;
                const state = sort.includes(field) ? 'ascending' : sort.includes(`-${field}`) ? 'descending' : 'none';
                return (
                  <div key={header.id} role="columnheader" aria-sort={state} className="cell head-cell" style={{ width: header.getSize(), position: 'relative' }}>
                    <button className="sort" onClick={(event) => applySort(field, event.shiftKey)} title="Sort (shift: add to the sort)">
                      {field}
                      <span aria-hidden="true">{state === 'ascending' ? '▲' : state === 'descending' ? '▼' : ''}</span>
                    </button>
                    <div
                      aria-hidden="true"
                      onMouseDown={header.getResizeHandler()}
                      style={{ position: 'absolute', right: 0, top: 0, bottom: 0, width: 6, cursor: 'col-resize' }}
                    />
                  </div>
                );
              })}
            </div>
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualRows.map((virtualRow) => {
                const row = rowAt(virtualRow.index);
                const id = row ? String(row.id) : '';
                return (
                  <div
                    key={virtualRow.key}
                    role="row"
                    aria-rowindex={virtualRow.index + 2}
                    aria-selected={selected.has(id)}
                    data-index={virtualRow.index}
                    className={`grid-row${flashing.has(id) ? ' flash' : ''}`}
                    style={{ top: virtualRow.start, height: ROW_HEIGHT, width }}
                    onDoubleClick={() => row && !editingCell && setOpen({ item: row })}
                  >
                    <div role="gridcell" className="cell" style={{ width: 44 }} {...keys.cellProps(virtualRow.index, 0)}>
                      {row && canWrite && <input type="checkbox" aria-label={`Select item ${id}`} checked={selected.has(id)} onChange={() => toggle(id)} tabIndex={-1} />}
                    </div>
                    {visibleColumns.map((column, columnIndex) => {
                      const field = fields.find((f) => f.field === column.id)!;
                      const value = row?.[field.field];
                      const editing = editingCell?.id === id && editingCell.field === field.field;
                      return (
                        <div
                          key={column.id}
                          role="gridcell"
                          className={`cell ${value === null ? 'null' : ''}`}
                          style={{ width: column.getSize() }}
                          {...keys.cellProps(virtualRow.index, columnIndex + 1)}
                          onDoubleClick={(event) => {
                            if (row && canEditInline(field)) {
                              event.stopPropagation();
                              setEditingCell({ id, field: field.field });
                            }
                          }}
                        >
                          {editing ? (
                            <InlineEditor
                              field={field}
                              value={value}
                              onCancel={(byKey) => {
                                setEditingCell(null);
                                if (byKey) keys.refocus();
                              }}
                              onSave={(next, text, started) => {
                                // The row follows changes made elsewhere: one made while the cell was edited is not overwritten unasked.
                                const theirs = formatValue(field.type, value);
                                if (theirs !== formatValue(field.type, started) && theirs !== text) {
                                  setEditingCell(null);
                                  setInlineConflict({ id, field: field.field, next, found: [{ field: field.field, theirs, yours: text }] });
                                } else save.mutate({ id, values: { [field.field]: next } }, { onSuccess: keys.refocus });
                              }}
                            />
                          ) : row ? (
                            <span>{value === null || value === undefined ? 'null' : isUserField(field) ? personCell(value, labels) : display(value)}</span>
                          ) : (
                            <span className="hint">…</span>
                          )}
                        </div>
                      );
                    })}
                  </div>
                );
              })}
            </div>
          </div>
          {count.data && total === 0 && <div className="empty">{filterGroup.children.length || search.q ? 'No item matches.' : 'No item yet.'}</div>}
        </div>
        <div className="pager" aria-live="polite">
          {total > 0 && virtualRows.length > 0 && `Rows ${(virtualRows[0].index + 1).toLocaleString()}–${(virtualRows[virtualRows.length - 1].index + 1).toLocaleString()} of ${total.toLocaleString()}`}
          {canWrite && ' · Double-click a cell to edit it, a row to open it; arrows move between cells, Enter edits a cell or opens the item, Escape cancels, Space selects.'}
        </div>
      </div>
      {open && (
        <ModalOverlay className="drawer-overlay" isOpen isDismissable onOpenChange={(isOpen) => !isOpen && setOpen(null)}>
          <Modal className="drawer">
            <Dialog className="dialog">
              {viewing && open.item ? (
                <ViewAsRecord ws={ws} definition={definition} as={viewing} item={open.item} onClose={() => setOpen(null)} />
              ) : (
                <RecordPanel
                  key={open.item ? `item-${String(open.item.id)}` : `new-${JSON.stringify(open.template ?? {})}`}
                  ws={ws}
                  definition={definition}
                  relations={relations.data ?? []}
                  item={open.item}
                  template={open.template}
                  canWrite={canWrite}
                  canSeeHistory={canSeeHistory}
                  onClose={() => setOpen(null)}
                  onSaved={() => {
                    setOpen(null);
                    void saved();
                  }}
                  onDuplicate={(values) => setOpen({ item: null, template: values })}
                />
              )}
            </Dialog>
          </Modal>
        </ModalOverlay>
      )}
      {inlineConflict && (
        <ConflictDialog
          item={inlineConflict.id}
          found={inlineConflict.found}
          onClose={() => setInlineConflict(null)}
          onTakeTheirs={() => setInlineConflict(null)}
          onOverwrite={() => {
            save.mutate({ id: inlineConflict.id, values: { [inlineConflict.field]: inlineConflict.next } });
            setInlineConflict(null);
          }}
        />
      )}
      <ConfirmDialog
        isOpen={bulkDeleting}
        onOpenChange={setBulkDeleting}
        title={`Delete ${selected.size} items?`}
        message="They are deleted in one transaction: all of them, or none if one cannot be."
        action="Delete items"
        onConfirm={async () => {
          await remove(`/w/${ws}/items/${collection}`, undefined, { keys: [...selected].map(keyOf) });
          setSelected(new Set());
          await invalidate();
        }}
      />
      <BulkEdit ws={ws} definition={definition} keys={[...selected].map(keyOf)} isOpen={bulkEditing} onOpenChange={setBulkEditing} onDone={() => { setSelected(new Set()); void invalidate(); }} />
      {importing && (
        <Suspense fallback={<Loading what="the import" />}>
          <ImportDialog
            ws={ws}
            definition={definition}
            isOpen={importing}
            onOpenChange={setImporting}
            onImported={() => {
              void invalidate();
              void queryClient.invalidateQueries({ queryKey: ['w', ws, 'row-counts'] });
            }}
          />
        </Suspense>
      )}
    </>
  );
}

const LIVE_LABEL: Record<LiveStatus, string> = { live: 'Live', connecting: 'Connecting…', offline: 'Not live' };

/** Whether the grid follows changes made elsewhere right now. */
function LiveBadge({ status }: { status: LiveStatus }) {
  return (
    <span className={`badge live-${status}`} role="status" title={status === 'live' ? 'Changes made elsewhere appear here as they happen.' : 'Changes made elsewhere appear after a reload.'}>
      <span aria-hidden="true" className="live-dot" /> {LIVE_LABEL[status]}
    </span>
  );
}

/** Keys as the collection takes them: numbers for integer keys, text for UUIDs. */
function keyOf(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}

function columnRank(field: Field): number {
  if (field.field === 'id') return 0;
  return field.system ? 2 : 1;
}

function display(value: unknown): string {
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `onCancel(true)`: Escape, the focus goes back to the cell; `onCancel(false)`: the user went elsewhere. */
function InlineEditor({ field, value, onSave, onCancel }: { field: Field; value: unknown; onSave: (value: unknown, text: string, started: unknown) => void; onCancel: (byKey: boolean) => void }) {
  const [started] = useState(value);
  const [text, setText] = useState(formatValue(field.type, value));
  return (
    <input
      className="input"
      aria-label={`Edit ${field.field}`}
      autoFocus
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => {
        event.stopPropagation();
        if (event.key === 'Enter') onSave(parseValue(field.type, text), text, started);
        if (event.key === 'Escape') onCancel(true);
      }}
      onBlur={() => onCancel(false)}
      style={{ height: 28 }}
    />
  );
}

function BulkEdit({ ws, definition, keys, isOpen, onOpenChange, onDone }: { ws: string; definition: Collection; keys: (string | number)[]; isOpen: boolean; onOpenChange: (open: boolean) => void; onDone: () => void }) {
  const fields = editableFields(definition);
  const [field, setField] = useState(fields[0]?.field ?? '');
  const [text, setText] = useState('');
  const type = fields.find((f) => f.field === field)?.type ?? 'string';
  const apply = useMutation({
    mutationFn: () => patch(`/w/${ws}/items/${definition.collection}`, { keys, data: { [field]: parseForWrite(field, type, text) } }),
    onSuccess: () => {
      onOpenChange(false);
      setText('');
      onDone();
    },
  });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title={`Edit ${keys.length} items`}>
      <div className="stack">
        <p className="hint">One field set to one value on every selected item, in one transaction.</p>
        <SelectField label="Field" value={field} options={fields.map((f) => ({ id: f.field, label: f.field }))} onChange={setField} />
        <TextInput label="New value" value={text} onChange={setText} hint="Empty: null." />
        <ErrorAlert error={apply.error} />
        <div className="row end">
          <Button onPress={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" onPress={() => apply.mutate()} isPending={apply.isPending}>
            Apply to {keys.length} items
          </Button>
        </div>
      </div>
    </ModalDialog>
  );
}
