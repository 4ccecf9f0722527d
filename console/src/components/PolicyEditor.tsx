import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { patch, post, remove } from '../api/client';
import type { Collection } from '../api/types';
import { emptyGroup, fromFilterJson, toFilterJson, type FilterJson } from '../lib/filter';
import { parseJsonObject, POLICY_VARIABLES, unknownVariable, type Policy, type PolicyAction } from '../lib/policies';
import { FilterBuilder } from './FilterBuilder';
import { JsonEditor } from './JsonEditor';
import { Button, Checkbox, ErrorAlert, ModalDialog, TextInput } from './ui';

const WRITES: readonly PolicyAction[] = ['create', 'update'];

const jsonText = (value: Record<string, unknown> | null | undefined) => (value && Object.keys(value).length ? JSON.stringify(value, null, 2) : '');

/**
 * One role's policy for one collection and action: its row filter (built in the explorer's filter builder,
 * with the policy variables), its fields, presets, validation and the verified-email flag. Saving creates
 * the policy or changes it; the server's refusal shows here, naming the field.
 */
export function PolicyEditor({ ws, role, collection, action, policy, onClose }: { ws: string; role: string; collection: Collection; action: PolicyAction; policy: Policy | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(policy?.name ?? '');
  const [filter, setFilter] = useState<FilterJson | null>(policy?.filter ?? null);
  const [allFields, setAllFields] = useState(!policy || policy.fields.includes('*'));
  const [fields, setFields] = useState<string[]>(policy && !policy.fields.includes('*') ? policy.fields : []);
  const [presets, setPresets] = useState(jsonText(policy?.presets));
  const [validation, setValidation] = useState(jsonText(policy?.validation));
  const [verifiedEmail, setVerifiedEmail] = useState(policy?.verified_email ?? false);
  const [problem, setProblem] = useState<string | null>(null);
  const [initial] = useState(() => {
    const group = fromFilterJson(policy?.filter ?? null);
    return 'error' in group ? { group: emptyGroup(), unreadable: group.error } : { group, unreadable: null };
  });
  const writes = WRITES.includes(action);
  const names = collection.fields.map((field) => field.field);
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: ['w', ws, 'policies'] });
    onClose();
  };

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => (policy ? patch(`/w/${ws}/policies/${policy.id}`, body) : post(`/w/${ws}/policies`, { role, collection: collection.collection, action, ...body })),
    onSuccess: done,
  });
  const drop = useMutation({ mutationFn: () => remove(`/w/${ws}/policies/${policy!.id}`), onSuccess: done });

  const submit = () => {
    const presetsJson = parseJsonObject(presets);
    const validationJson = parseJsonObject(validation);
    if ('error' in presetsJson) return setProblem(`Presets: ${presetsJson.error}`);
    if ('error' in validationJson) return setProblem(`Validation: ${validationJson.error}`);
    const badVariable = unknownVariable(filter, 'filter') ?? unknownVariable(presetsJson.value, 'presets');
    if (badVariable) return setProblem(badVariable);
    if (!allFields && fields.length === 0) return setProblem('Pick at least one field, or all fields.');
    setProblem(null);
    save.mutate({
      name: name.trim() === '' ? null : name.trim(),
      filter,
      fields: allFields ? ['*'] : names.filter((name) => fields.includes(name)),
      verified_email: verifiedEmail,
      ...(writes ? { presets: presetsJson.value, validation: validationJson.value } : {}),
    });
  };

  return (
    <ModalDialog isOpen wide onOpenChange={(open) => !open && onClose()} title={`${role} may ${action} "${collection.collection}"`}>
      <div className="stack policy-editor">
        <p className="hint">
          {policy ? `Policy ${policy.id}.` : `No policy yet: ${role} may not ${action} "${collection.collection}". Saving one grants it.`}
        </p>
        <TextInput label="Name" value={name} onChange={setName} hint={'Optional: what explanations call it, as in "read published".'} />
        <section className="stack" aria-labelledby="policy-rows">
          <h3 id="policy-rows">Rows</h3>
          {initial.unreadable && <p className="hint">The builder cannot show this policy's filter ({initial.unreadable}); it stays as it is unless you use another.</p>}
          <FilterBuilder
            fields={collection.fields}
            value={initial.group}
            variables={POLICY_VARIABLES}
            check={(json) => unknownVariable(json, 'filter')}
            applyLabel="Use this filter"
            onApply={(group) => setFilter(toFilterJson(group))}
          />
          <div className="policy-filter-now">
            {filter ? (
              <>
                Rows where <code>{JSON.stringify(filter)}</code>
              </>
            ) : (
              'Every row.'
            )}
          </div>
        </section>
        <section className="stack" aria-labelledby="policy-fields">
          <h3 id="policy-fields">{action === 'read' ? 'Fields it may read' : action === 'delete' ? 'Fields' : 'Fields it may set'}</h3>
          <Checkbox isSelected={allFields} onChange={setAllFields}>
            All fields (*)
          </Checkbox>
          {!allFields && (
            <div className="policy-fields" role="group" aria-labelledby="policy-fields">
              {names.map((name) => (
                <Checkbox key={name} isSelected={fields.includes(name)} onChange={(on) => setFields(on ? [...fields, name] : fields.filter((field) => field !== name))}>
                  {name}
                </Checkbox>
              ))}
            </div>
          )}
        </section>
        {writes && (
          <div className="policy-json">
            <JsonEditor label="Presets (forced on written rows)" value={presets} onChange={setPresets} />
            <JsonEditor label="Validation (rules added to the fields' own)" value={validation} onChange={setValidation} />
          </div>
        )}
        <Checkbox isSelected={verifiedEmail} onChange={setVerifiedEmail}>
          Only for app users whose email is verified
        </Checkbox>
        <ErrorAlert error={problem ? new Error(problem) : (save.error ?? drop.error)} />
        <div className="row end">
          {policy && (
            <Button variant="danger" onPress={() => drop.mutate()} isPending={drop.isPending}>
              Delete policy
            </Button>
          )}
          <div className="spacer" />
          <Button onPress={onClose}>Cancel</Button>
          <Button variant="primary" onPress={submit} isPending={save.isPending}>
            Save policy
          </Button>
        </div>
      </div>
    </ModalDialog>
  );
}
