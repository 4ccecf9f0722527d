import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Form, Heading, ListBox, ListBoxItem } from 'react-aria-components';
import { api, get, type Query } from '../api/client';
import { apiKeysQuery } from '../api/queries';
import { WORKSPACE_ROLES, type Collection, type Item } from '../api/types';
import { formatValue, parseForWrite } from '../lib/fields';
import { fuzzyFilter } from '../lib/fuzzy';
import { apiPreview, VIEW_AS_KINDS, type ViewAs, type ViewAsKind } from '../lib/view-as';
import { Button, ErrorAlert, ModalDialog, SelectField, TextInput } from './ui';

/** A field hidden from the principal, with the policy that hides it. */
export interface HiddenField {
  field: string;
  reason: string;
}

/** Whether the principal may read the collection, and the rule that decided it (POST /explain/items). */
interface ReadAccess {
  allowed: boolean;
  reason: string;
  principal: { kind: string; description: string };
}

/** What `POST /explain/items` answers: the rows the principal would read, and why the rest is hidden. */
export interface ItemsView {
  data: Item[];
  meta: { total_count: number; filter_count: number };
  hidden_fields: HiddenField[];
  access: ReadAccess;
}

/** What `POST /explain` answers of one action (the parts the console shows). */
interface Explanation extends ReadAccess {
  fields: { readable: string[]; hidden: HiddenField[]; writable?: string[] };
  item?: { exists: boolean; visible?: boolean; reachable?: boolean; reason: string };
  data?: { accepted: boolean; reason: string };
}

/** The rows of a read as the principal would get them: the same reader and policy as its own GET /items. */
export function viewItems(ws: string, collection: string, as: ViewAs, query: Query): Promise<ItemsView> {
  return api<ItemsView>('POST', `/w/${ws}/explain/items`, { body: { as, collection, query } });
}

function explain(ws: string, body: Record<string, unknown>): Promise<Explanation> {
  return api<{ data: Explanation }>('POST', `/w/${ws}/explain`, { body }).then((answer) => answer.data);
}

/** Keys as the collection takes them: numbers for integer keys, text for UUIDs. */
function keyOf(id: string): string | number {
  return /^\d+$/.test(id.trim()) ? Number(id.trim()) : id.trim();
}

interface AppUser {
  id: string;
  email: string;
  role: string;
  status: string;
}

/** "View as…": pick a member role, an app role, an app user (searched by email) or an API key, or anonymous. */
export function ViewAsPicker({ ws, onPick }: { ws: string; onPick: (as: ViewAs) => void }) {
  const [isOpen, setOpen] = useState(false);
  const [kind, setKind] = useState<ViewAsKind>('app_user');
  const [value, setValue] = useState('');
  const [userSearch, setUserSearch] = useState('');
  const roles = useQuery({ queryKey: ['w', ws, 'roles'], queryFn: () => get<Array<{ name: string }>>(`/w/${ws}/roles`), enabled: isOpen && kind === 'app_role' });
  const appUsers = useQuery({ queryKey: ['w', ws, 'app-users'], queryFn: () => get<AppUser[]>(`/w/${ws}/app-users`), enabled: isOpen && kind === 'app_user' });
  const keys = useQuery({ ...apiKeysQuery(ws), enabled: isOpen && kind === 'api_key' });
  const matchingUsers = useMemo(
    () => fuzzyFilter(appUsers.data ?? [], userSearch.trim(), (user) => `${user.email} ${user.role}`).slice(0, 20),
    [appUsers.data, userSearch],
  );
  const chosen: ViewAs | null = kind === 'anonymous' ? { anonymous: true } : value ? ({ [kind]: value } as ViewAs) : null;
  const pickKind = (next: string) => {
    setKind(next as ViewAsKind);
    setValue('');
  };
  return (
    <>
      <Button onPress={() => setOpen(true)}>View as…</Button>
      <ModalDialog isOpen={isOpen} onOpenChange={setOpen} title="View as">
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            if (!chosen) return;
            setOpen(false);
            onPick(chosen);
          }}
        >
          <p className="hint">See this collection as someone else would: the rows and fields they read, and what they may change, with the rule that decides each.</p>
          <SelectField label="Who" value={kind} options={VIEW_AS_KINDS} onChange={pickKind} />
          {kind === 'member_role' && <SelectField label="Member role" value={value} options={WORKSPACE_ROLES.map((role) => ({ id: role, label: role }))} onChange={setValue} placeholder="Pick a role" />}
          {kind === 'app_role' && (
            <>
              <ErrorAlert error={roles.error} />
              <SelectField label="App role" value={value} options={(roles.data ?? []).map((role) => ({ id: role.name, label: role.name }))} onChange={setValue} placeholder="Pick a role" />
            </>
          )}
          {kind === 'app_user' && (
            <>
              <TextInput label="Search app users" value={userSearch} onChange={setUserSearch} placeholder="Email or role" />
              <ErrorAlert error={appUsers.error} />
              <ListBox
                aria-label="App users"
                className="listbox viewas-users"
                selectionMode="single"
                selectedKeys={value ? [value] : []}
                onSelectionChange={(selection) => setValue(selection === 'all' ? '' : String([...selection][0] ?? ''))}
                items={matchingUsers}
                renderEmptyState={() => <div className="hint">{appUsers.isPending ? 'Loading app users…' : 'No app user matches.'}</div>}
              >
                {(user) => (
                  <ListBoxItem className="listbox-item" id={user.id} textValue={user.email}>
                    {user.email} <span className="hint">· {user.role}{user.status === 'active' ? '' : ` · ${user.status}`}</span>
                  </ListBoxItem>
                )}
              </ListBox>
            </>
          )}
          {kind === 'api_key' && (
            <>
              <ErrorAlert error={keys.error} />
              <SelectField label="API key" value={value} options={(keys.data ?? []).map((key) => ({ id: key.id, label: `${key.name} (${key.role})` }))} onChange={setValue} placeholder="Pick a key" />
            </>
          )}
          <div className="row">
            <div className="spacer" />
            <Button onPress={() => setOpen(false)}>Cancel</Button>
            <Button variant="primary" type="submit" isDisabled={!chosen}>
              View as
            </Button>
          </div>
        </Form>
      </ModalDialog>
    </>
  );
}

/**
 * The banner while the explorer shows a collection as someone else: who, whether they may read it and
 * why, the fields hidden from them with the policy that hides each, a look-up of one item by id with the
 * rule that hides it, the request they would send, and the way back.
 */
export function ViewAsBanner({ ws, collection, as, read, query, onStop }: { ws: string; collection: string; as: ViewAs; read: Partial<ItemsView> | undefined; query: Query; onStop: () => void }) {
  // The grid keeps its previous answer while the view's first one comes: the caller's own, without `access`.
  const view = read?.access ? (read as ItemsView) : undefined;
  const [id, setId] = useState('');
  const lookup = useMutation({ mutationFn: (key: string) => explain(ws, { as, collection, action: 'read', id: keyOf(key) }) });
  const verdict = lookup.data;
  return (
    <section className="viewas-banner" aria-label="Viewing as">
      <div className="row viewas-head">
        <span className="badge viewas-badge">View as</span>
        <strong>{view ? capitalized(view.access.principal.description) : 'Loading…'}</strong>
        <div className="spacer" />
        <Button onPress={onStop}>Stop viewing as</Button>
      </div>
      {view && (
        <p className={view.access.allowed ? 'viewas-reason' : 'alert'} role={view.access.allowed ? undefined : 'alert'}>
          {view.access.reason}
        </p>
      )}
      {view && view.hidden_fields.length > 0 && (
        <div>
          <h2 className="viewas-title">Hidden fields</h2>
          <ul className="viewas-list">
            {byReason(view.hidden_fields).map(([reason, fields]) => (
              <li key={reason}>
                {fields.map((field) => (
                  <span key={field} className="tag">
                    {field}
                  </span>
                ))}{' '}
                {reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Form
        className="row viewas-lookup"
        onSubmit={(event) => {
          event.preventDefault();
          if (id.trim()) lookup.mutate(id);
        }}
      >
        <TextInput label="Look up an item by id" value={id} onChange={setId} placeholder="e.g. 42" />
        <Button type="submit" isPending={lookup.isPending}>
          Explain
        </Button>
      </Form>
      <ErrorAlert error={lookup.error} />
      {verdict && (
        <p className={verdict.allowed ? 'notice' : 'alert'} role="status" data-testid="viewas-lookup-verdict">
          {verdict.item?.visible ? `Visible. ${verdict.item.reason}` : (verdict.item?.reason ?? verdict.reason)}
        </p>
      )}
      <details className="viewas-preview">
        <summary>API preview</summary>
        <pre className="viewas-code">
          <code>{apiPreview(as, ws, collection, query)}</code>
        </pre>
      </details>
    </section>
  );
}

/**
 * The drawer's content for one item while viewing as someone: what they read of it, what they may change
 * (explain of an update and a delete of this item), and a change to check before anyone makes it.
 */
export function ViewAsRecord({ ws, definition, as, item, onClose }: { ws: string; definition: Collection; as: ViewAs; item: Item; onClose: () => void }) {
  const collection = definition.collection;
  const id = String(item.id);
  const update = useQuery({ queryKey: ['w', ws, 'explain', collection, as, id, 'update'], queryFn: () => explain(ws, { as, collection, action: 'update', id: keyOf(id) }) });
  const remove = useQuery({ queryKey: ['w', ws, 'explain', collection, as, id, 'delete'], queryFn: () => explain(ws, { as, collection, action: 'delete', id: keyOf(id) }) });
  const fields = definition.fields.filter((field) => field.type !== 'alias');
  const writable = new Set(update.data?.allowed ? (update.data.fields.writable ?? []) : []);
  const hidden = new Set((update.data?.fields.hidden ?? []).map((entry) => entry.field));
  const [field, setField] = useState('');
  const [text, setText] = useState('');
  const type = fields.find((f) => f.field === field)?.type ?? 'string';
  const check = useMutation({ mutationFn: () => explain(ws, { as, collection, action: 'update', id: keyOf(id), data: { [field]: parseForWrite(field, type, text) } }) });
  return (
    <div className="stack">
      <div className="row">
        <Heading slot="title">Item {id}</Heading>
        <div className="spacer" />
        <Button onPress={onClose}>Close</Button>
      </div>
      <p className="hint">As {update.data ? update.data.principal.description : '…'}: read-only, nothing is written.</p>
      <ErrorAlert error={update.error ?? remove.error} />
      <table className="viewas-fields">
        <caption className="sr-only">What they read and may change of item {id}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Value</th>
            <th scope="col">May change</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.field}>
              <th scope="row">{f.field}</th>
              <td>{hidden.has(f.field) ? <span className="hint">Hidden</span> : <span className="value-text">{formatValue(f.type, item[f.field]) || '—'}</span>}</td>
              <td>{writable.has(f.field) ? 'Yes' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {byReason(update.data?.fields.hidden ?? []).map(([reason, names]) => (
        <p key={reason} className="hint viewas-hidden-reason">
          Hidden: {names.join(', ')}: {reason}.
        </p>
      ))}
      {update.data && <Verdict label="Update" explanation={update.data} />}
      {remove.data && <Verdict label="Delete" explanation={remove.data} />}
      <Form
        className="stack viewas-check"
        onSubmit={(event) => {
          event.preventDefault();
          if (field) check.mutate();
        }}
      >
        <h2 className="viewas-title">Check a change</h2>
        <div className="form-grid">
          <SelectField label="Field" value={field} options={fields.filter((f) => !f.system).map((f) => ({ id: f.field, label: f.field }))} onChange={setField} placeholder="Pick a field" />
          <TextInput label="New value" value={text} onChange={setText} />
        </div>
        <div className="row">
          <Button type="submit" isDisabled={!field} isPending={check.isPending}>
            Check this change
          </Button>
        </div>
        <ErrorAlert error={check.error} />
        {check.data && <Verdict label="This change" explanation={check.data} />}
      </Form>
    </div>
  );
}

function Verdict({ label, explanation }: { label: string; explanation: Explanation }) {
  return (
    <p className={explanation.allowed ? 'notice' : 'alert'} role="status">
      <strong>{label}: {explanation.allowed ? 'allowed' : 'refused'}.</strong> {explanation.reason}
    </p>
  );
}

/** Hidden fields grouped by the reason that hides them (most share the read policy's), in the order they came. */
function byReason(hidden: HiddenField[]): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const { field, reason } of hidden) groups.set(reason, [...(groups.get(reason) ?? []), field]);
  return [...groups];
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
