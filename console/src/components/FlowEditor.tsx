import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { handlersQuery, WEBHOOK_EVENTS, type Flow } from '../api/automation';
import { collectionsQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import { chainOrder, draftOf, freshKey, OPERATION_FORMS, OPERATION_TYPES, optionsOf, REQUEST_METHODS, takesBeforeFilter, triggerDraftOf, triggerOf, type OperationDraft, type TriggerDraft } from '../lib/flow-draft';
import { templatePaths, type TriggerShape } from '../lib/templates';
import { ChangeCondition } from './ChangeCondition';
import { TemplateInput } from './TemplateInput';
import { Button, Checkbox, ErrorAlert, SelectField, TextInput } from './ui';

const END = '__end';
const TRIGGER_TYPES = [
  { id: 'event', label: 'Items change (event)' },
  { id: 'schedule', label: 'A schedule (cron)' },
  { id: 'manual', label: 'By hand or through the API (manual)' },
];

/**
 * A flow's editor: its trigger, then its operations in the order a run meets them, each with the form of
 * its type. Option fields complete `{{ }}` templates from what that step can read. Saving sends the whole
 * flow; the server checks it and its refusal, naming the field, shows above the buttons.
 */
export function FlowEditor({ ws, flow, onSaved }: { ws: string; flow: Flow | null; onSaved: (flow: Flow) => void }) {
  const collections = useQuery(collectionsQuery(ws));
  const handlers = useQuery(handlersQuery(ws));
  const queryClient = useQueryClient();
  const [name, setName] = useState(flow?.name ?? '');
  const [enabled, setEnabled] = useState(flow?.enabled ?? true);
  const [trigger, setTrigger] = useState(() => triggerDraftOf(flow?.trigger));
  const [operations, setOperations] = useState<OperationDraft[]>(() => (flow ? chainOrder(flow.operations, flow.first).map(draftOf) : []));
  const [first, setFirst] = useState(flow?.first ?? '');
  const [newType, setNewType] = useState('create_item');

  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name,
        enabled,
        trigger: triggerOf(trigger),
        operations: operations.map((operation) => ({
          key: operation.key,
          type: operation.type,
          options: optionsOf(operation),
          ...(operation.next ? { next: operation.next } : {}),
          ...(operation.otherwise ? { otherwise: operation.otherwise } : {}),
        })),
        first: first || operations[0]?.key || '',
      };
      return flow
        ? unwrap(system.PATCH('/api/v1/w/{ws}/flows/{id}', { params: { path: { ws, id: flow.id } }, body }))
        : unwrap(system.POST('/api/v1/w/{ws}/flows', { params: { path: { ws } }, body }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'flows'] });
      onSaved(saved);
    },
  });

  const shape: TriggerShape = trigger.type === 'event' ? { type: 'event', collections: trigger.collections } : { type: trigger.type };
  const schema = (collections.data ?? []).map((c) => ({ collection: c.collection, fields: c.fields }));
  const collectionOptions = schema.map((c) => ({ id: c.collection, label: c.collection }));
  // The fields of the triggering items, for a condition on how one of them changed.
  const triggerFields = [...new Set(schema.filter((c) => trigger.collections.includes(c.collection)).flatMap((c) => c.fields.map((f) => f.field)))];
  const handlerOptions = (handlers.data ?? []).map((h) => ({ id: String(h.id), label: String(h.name) }));

  const update = (index: number, change: Partial<OperationDraft>) => setOperations((list) => list.map((operation, i) => (i === index ? { ...operation, ...change } : operation)));
  const rename = (index: number, key: string) => {
    const old = operations[index].key;
    const follow = (link: string | null) => (link === old ? key : link);
    setOperations((list) => list.map((operation, i) => ({ ...operation, key: i === index ? key : operation.key, next: follow(operation.next), otherwise: follow(operation.otherwise) })));
    if (first === old) setFirst(key);
  };
  const remove = (index: number) => {
    const gone = operations[index];
    setOperations((list) =>
      list
        .filter((_, i) => i !== index)
        .map((operation) => ({ ...operation, next: operation.next === gone.key ? gone.next : operation.next, otherwise: operation.otherwise === gone.key ? gone.next : operation.otherwise })),
    );
    if (first === gone.key) setFirst(gone.next ?? '');
  };
  const add = () => {
    const key = freshKey(newType, operations.map((operation) => operation.key));
    const fields = Object.fromEntries((OPERATION_FORMS[newType] ?? []).map((form) => [form.name, form.kind === 'method' ? 'POST' : '']));
    // The new step follows the last one, when the last one ends the run.
    setOperations((list) => [...list.map((operation, i) => (i === list.length - 1 && operation.next === null ? { ...operation, next: key } : operation)), { key, type: newType, next: null, otherwise: null, fields }]);
    if (operations.length === 0) setFirst(key);
  };

  // The filled fields stand for the options, which is all templatePaths reads of them.
  const shapes = operations.map((o) => ({ key: o.key, type: o.type, options: Object.fromEntries(Object.entries(o.fields).filter(([, text]) => text.trim() !== '')) }));
  const linkOptions = (self: string) => [{ id: END, label: 'End the run' }, ...operations.filter((o) => o.key !== self).map((o) => ({ id: o.key, label: o.key }))];
  const toggle = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((item) => item !== value));

  return (
    <form
      className="stack flow-editor"
      aria-label="Flow editor"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <section className="card" aria-labelledby="flow-trigger">
        <div className="card-head">
          <h2 id="flow-trigger">Trigger</h2>
        </div>
        <div className="card-body form-grid">
          <TextInput label="Name" value={name} onChange={setName} isRequired />
          <SelectField label="Starts when" value={trigger.type} options={TRIGGER_TYPES} onChange={(type) => setTrigger({ ...trigger, type: type as TriggerDraft['type'] })} />
          {trigger.type === 'event' && (
            <>
              <fieldset className="choices">
                <legend>Collections</legend>
                {schema.map((c) => (
                  <Checkbox key={c.collection} isSelected={trigger.collections.includes(c.collection)} onChange={(on) => setTrigger({ ...trigger, collections: toggle(trigger.collections, c.collection, on) })}>
                    {c.collection}
                  </Checkbox>
                ))}
              </fieldset>
              <fieldset className="choices">
                <legend>Events</legend>
                {WEBHOOK_EVENTS.map((event) => (
                  <Checkbox key={event} isSelected={trigger.events.includes(event)} onChange={(on) => setTrigger({ ...trigger, events: toggle<(typeof WEBHOOK_EVENTS)[number]>(trigger.events, event, on) })}>
                    {event}
                  </Checkbox>
                ))}
              </fieldset>
              <TextInput className="wide mono" multiline label="Only items matching (JSON filter, optional)" value={trigger.filter} onChange={(filter) => setTrigger({ ...trigger, filter })} placeholder='{"status": {"_eq": "published"}}' />
              {takesBeforeFilter(trigger) ? (
                <TextInput
                  className="wide mono"
                  multiline
                  label="Only items that matched before the update (JSON filter, optional)"
                  value={trigger.beforeFilter}
                  onChange={(beforeFilter) => setTrigger({ ...trigger, beforeFilter })}
                  placeholder='{"status": {"_eq": "draft"}}'
                  hint="With the filter above, a change from one state to another: draft before, published after."
                />
              ) : (
                <p className="hint wide">On updates alone, a flow can also require what the item was before the update.</p>
              )}
            </>
          )}
          {trigger.type === 'schedule' && (
            <TextInput label="Cron pattern (UTC)" value={trigger.cron} onChange={(cron) => setTrigger({ ...trigger, cron })} isRequired hint="Five fields, or six with seconds first: 0 3 * * * is 03:00 every day." />
          )}
          {trigger.type === 'manual' && <p className="hint wide">Run it from the Runs tab, or with POST /flows/{'{id}'}/trigger; its body is $trigger.body.</p>}
          <Checkbox isSelected={enabled} onChange={setEnabled}>
            Enabled
          </Checkbox>
        </div>
      </section>

      <section className="card" aria-labelledby="flow-operations">
        <div className="card-head">
          <h2 id="flow-operations">Operations</h2>
          <div className="spacer" />
          {operations.length > 1 && <SelectField label="Starts with" value={first || operations[0].key} options={operations.map((o) => ({ id: o.key, label: o.key }))} onChange={setFirst} className="inline" />}
        </div>
        <div className="card-body stack">
          <p className="hint">
            Each step’s result is read by the steps after it as {'{{ key }}'}, the step just before as {'{{ $last }}'}. Type {'{{'} in a field to see what it can read.
          </p>
          {operations.length === 0 && <p className="hint">No operation yet: add the first one below.</p>}
          {operations.map((operation, index) => (
            <article key={index} className="operation" aria-label={`Operation ${operation.key}`}>
              <div className="operation-head">
                <span className="step-number" aria-hidden="true">
                  {index + 1}
                </span>
                <TextInput label="Key" value={operation.key} onChange={(key) => rename(index, key)} />
                <SelectField
                  label="Type"
                  value={operation.type}
                  options={OPERATION_TYPES.map((type) => ({ id: type, label: type }))}
                  onChange={(type) => update(index, { type, fields: {}, otherwise: type === 'condition' ? operation.otherwise : null })}
                />
                <div className="spacer" />
                <Button small variant="ghost" onPress={() => remove(index)} aria-label={`Remove ${operation.key}`}>
                  Remove
                </Button>
              </div>
              <div className="form-grid">
                {(OPERATION_FORMS[operation.type] ?? []).map((form) => {
                  const value = operation.fields[form.name] ?? '';
                  const set = (text: string) => update(index, { fields: { ...operation.fields, [form.name]: text } });
                  const label = `${form.label}${form.required ? '' : ' (optional)'}`;
                  if (form.kind === 'collection') return <SelectField key={form.name} label={form.label} value={value} options={collectionOptions} onChange={set} placeholder="Choose a collection" />;
                  if (form.kind === 'method') return <SelectField key={form.name} label={form.label} value={value || 'GET'} options={REQUEST_METHODS.map((m) => ({ id: m, label: m }))} onChange={set} />;
                  if (form.kind === 'handler') return <SelectField key={form.name} label={form.label} value={value} options={handlerOptions} onChange={set} placeholder="Choose a handler" />;
                  return (
                    <TemplateInput
                      key={form.name}
                      className={form.kind === 'json' || form.multiline ? 'wide' : undefined}
                      label={label}
                      value={value}
                      onChange={set}
                      multiline={form.kind === 'json' || form.multiline}
                      hint={form.hint}
                      paths={templatePaths(shape, shapes, index, schema)}
                    />
                  );
                })}
                {operation.type === 'condition' && trigger.type === 'event' && (
                  <ChangeCondition fields={triggerFields} onBuild={(filter) => update(index, { fields: { ...operation.fields, filter } })} />
                )}
                <SelectField label="Then" value={operation.next ?? END} options={linkOptions(operation.key)} onChange={(next) => update(index, { next: next === END ? null : next })} />
                {operation.type === 'condition' && (
                  <SelectField label="Otherwise" value={operation.otherwise ?? END} options={linkOptions(operation.key)} onChange={(otherwise) => update(index, { otherwise: otherwise === END ? null : otherwise })} />
                )}
              </div>
            </article>
          ))}
          <div className="row">
            <SelectField label="New operation type" hideLabel value={newType} options={OPERATION_TYPES.map((type) => ({ id: type, label: type }))} onChange={setNewType} />
            <Button onPress={add}>Add operation</Button>
          </div>
        </div>
      </section>

      <ErrorAlert error={save.error} />
      {save.isSuccess && !save.isPending && (
        <div className="notice" role="status">
          Flow saved.
        </div>
      )}
      <div className="row end">
        <Button type="submit" variant="primary" isPending={save.isPending}>
          {flow ? 'Save flow' : 'Create flow'}
        </Button>
      </div>
    </form>
  );
}
