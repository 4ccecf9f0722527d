import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Button as AriaButton, ComboBox, Form, Input, Label, ListBox, ListBoxItem, Popover } from 'react-aria-components';
import { get } from '../api/client';
import { ApiError } from '../api/errors';
import type { Collection, Field, Item, Relation } from '../api/types';
import { InvalidText } from '../lib/fields';
import type { Texts } from '../lib/versions';
import { FilePicker } from './FilePicker';
import { isUserFieldType } from '../lib/people';
import { JsonEditor } from './JsonEditor';
import { UserPicker } from './UserPicker';
import { Button, Checkbox, ErrorAlert, SelectField, TextInput } from './ui';

const INPUT_TYPE: Partial<Record<Field['type'], 'number' | 'date' | 'datetime-local' | 'time'>> = {
  integer: 'number',
  bigint: 'number',
  float: 'number',
  date: 'date',
  datetime: 'datetime-local',
  time: 'time',
};

/** The fields a person writes: not system fields, aliases or generated codes. */
export function editableFields(collection: Collection): Field[] {
  return collection.fields.filter((f) => !f.system && f.type !== 'alias' && f.type !== 'autocode');
}

/** Per-field messages of a refused write: 422 has one entry per rule, 400 names one field, as does text the form refused. */
function messagesByField(error: unknown): Record<string, string> {
  if (error instanceof InvalidText) return { [error.field]: error.message };
  if (!(error instanceof ApiError)) return {};
  const messages: Record<string, string> = {};
  for (const entry of error.all) {
    const field = typeof entry.extensions.field === 'string' ? entry.extensions.field : null;
    if (field && !messages[field]) messages[field] = entry.message;
  }
  return messages;
}

/**
 * A form generated from the collection's fields. Its texts are held by the caller, which merges changes
 * made elsewhere into them while the form is open; `highlighted` fields were just changed that way.
 */
export function RecordForm({ ws, collection, relations, texts, onChange, onSubmit, saving, error, submitLabel, highlighted, isDisabled, readOnly }: {
  ws: string;
  collection: Collection;
  relations: Relation[];
  texts: Texts;
  onChange: (field: string, text: string) => void;
  onSubmit: () => void;
  saving: boolean;
  error: unknown;
  submitLabel: string;
  highlighted?: Set<string>;
  isDisabled?: boolean;
  /** For those who may not write: the values without a way to save them. */
  readOnly?: boolean;
}) {
  const fields = editableFields(collection);
  const messages = messagesByField(error);
  const unplaced = error && !fields.some((f) => messages[f.field]);
  const set = onChange;
  return (
    <Form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        if (!readOnly) onSubmit();
      }}
    >
      {fields.map((field) => {
        const relation = relations.find((r) => r.collection === collection.collection && r.field === field.field);
        const label = `${field.field}${field.required ? ' *' : ''}`;
        const common = { label, value: texts[field.field] ?? '', onChange: (value: string) => set(field.field, value), error: messages[field.field], hint: field.note ?? undefined };
        let input: ReactNode;
        if (relation) input = <RelationPicker ws={ws} related={relation.related_collection} {...common} />;
        else if (isUserFieldType(field.type)) input = <UserPicker ws={ws} kind={field.type} {...common} />;
        else
          switch (field.type) {
            case 'boolean':
              input = (
                <div className="field">
                  <Checkbox isSelected={texts[field.field] === 'true'} onChange={(on) => set(field.field, on ? 'true' : 'false')}>
                    {label}
                  </Checkbox>
                  {messages[field.field] && <span className="field-error">{messages[field.field]}</span>}
                </div>
              );
              break;
            case 'enum':
              input = (
                <div>
                  <SelectField label={label} value={texts[field.field]} options={[{ id: '', label: '(none)' }, ...(field.values ?? []).map((v) => ({ id: v, label: v }))]} onChange={(value) => set(field.field, value)} />
                  {messages[field.field] && <span className="field-error">{messages[field.field]}</span>}
                </div>
              );
              break;
            case 'json':
              input = <JsonEditor label={label} value={texts[field.field]} onChange={(value) => set(field.field, value)} error={messages[field.field]} />;
              break;
            case 'text':
              input = <TextInput {...common} multiline />;
              break;
            case 'file':
              input = <FilePicker ws={ws} label={label} value={texts[field.field] ?? ''} onChange={(value) => set(field.field, value)} error={messages[field.field]} />;
              break;
            default:
              input = <TextInput {...common} type={INPUT_TYPE[field.type] ?? 'text'} />;
          }
        return (
          <div key={field.field} className={highlighted?.has(field.field) ? 'live-field flash' : 'live-field'} data-field={field.field}>
            {input}
          </div>
        );
      })}
      {unplaced ? <ErrorAlert error={error} /> : null}
      {!readOnly && (
        <div className="row end">
          <Button type="submit" variant="primary" isDisabled={isDisabled} isPending={saving}>
            {submitLabel}
          </Button>
        </div>
      )}
    </Form>
  );
}

/** Picks a related item by searching its collection; the key is what is written. */
function RelationPicker({ ws, related, label, value, onChange, error }: { ws: string; related: string; label: string; value: string; onChange: (value: string) => void; error?: string }) {
  const [search, setSearch] = useState('');
  const options = useQuery({
    queryKey: ['w', ws, 'items', related, 'picker', search],
    queryFn: () => get<Item[]>(`/w/${ws}/items/${related}`, { search: search || undefined, limit: 20 }),
  });
  const title = (item: Item) => {
    const text = Object.entries(item).find(([key, v]) => typeof v === 'string' && !['created_at', 'updated_at', 'id', 'created_by', 'updated_by'].includes(key))?.[1];
    return `#${String(item.id)}${text ? ` · ${String(text)}` : ''}`;
  };
  const items = (options.data ?? []).map((item) => ({ id: String(item.id), label: title(item) }));
  return (
    <ComboBox
      className="field"
      items={items}
      selectedKey={value || null}
      inputValue={search || (value ? `#${value}` : '')}
      onInputChange={setSearch}
      onSelectionChange={(key) => {
        onChange(key === null ? '' : String(key));
        setSearch('');
      }}
      allowsEmptyCollection
    >
      <Label>{label}</Label>
      <div className="row">
        <Input className="input" />
        <AriaButton className="btn small" aria-label={`Show ${related} items`}>
          ▾
        </AriaButton>
      </div>
      {error && <span className="field-error">{error}</span>}
      <Popover className="popover">
        <ListBox className="listbox">{(option: { id: string; label: string }) => <ListBoxItem className="listbox-item" id={option.id}>{option.label}</ListBoxItem>}</ListBox>
      </Popover>
    </ComboBox>
  );
}
