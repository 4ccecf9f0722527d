import { useState } from 'react';
import type { Field } from '../api/types';
import { parseValue } from '../lib/fields';
import { emptyGroup, fromFilterJson, OPERATOR_LABELS, OPERATORS, toFilterJson, valueFromText, valueText, VALUELESS, type Condition, type FilterJson, type Group, type Operator } from '../lib/filter';
import { Button, ErrorAlert, SelectField, TextInput } from './ui';

interface FilterBuilderProps {
  fields: Field[];
  value: Group;
  onApply: (group: Group) => void;
  /** Variables a value may be (a policy's `$CURRENT_USER`), offered beside each value and kept as typed. */
  variables?: readonly string[];
  /** Refuses a filter before it is applied: answers why, or null when it may be applied. */
  check?: (filter: FilterJson | null) => string | null;
  applyLabel?: string;
}

/**
 * Builds a filter of conditions and `_and`/`_or` groups, over the collection's fields or relational paths
 * typed as `author.name`; shows the JSON filter the API takes and accepts one pasted in.
 */
export function FilterBuilder({ fields, value, onApply, variables, check, applyLabel = 'Apply filter' }: FilterBuilderProps) {
  const [group, setGroup] = useState<Group>(value);
  const [jsonText, setJsonText] = useState(() => JSON.stringify(toFilterJson(value) ?? {}, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const typeOf = (path: string[]) => fields.find((f) => f.field === path[0])?.type ?? 'string';
  const update = (next: Group) => {
    setGroup(next);
    setJsonText(JSON.stringify(toFilterJson(next) ?? {}, null, 2));
    setJsonError(null);
    setRefusal(null);
  };
  const apply = () => {
    const problem = check?.(toFilterJson(group)) ?? null;
    setRefusal(problem);
    if (!problem) onApply(group);
  };
  return (
    <div className="stack">
      <GroupEditor group={group} fields={fields} typeOf={typeOf} onChange={update} depth={0} variables={variables} />
      <details>
        <summary>JSON filter</summary>
        <div className="stack" style={{ marginTop: 8 }}>
          <TextInput label="Filter as JSON" multiline value={jsonText} onChange={setJsonText} />
          {jsonError && <ErrorAlert error={new Error(jsonError)} />}
          <div className="row">
            <Button
              small
              onPress={() => {
                try {
                  const parsed = fromFilterJson(jsonText.trim() ? JSON.parse(jsonText) : null);
                  if ('error' in parsed) setJsonError(parsed.error);
                  else update(parsed);
                } catch {
                  setJsonError('This is not valid JSON.');
                }
              }}
            >
              Read JSON into the builder
            </Button>
          </div>
        </div>
      </details>
      {refusal && <ErrorAlert error={new Error(refusal)} />}
      <div className="row end">
        <Button onPress={() => update(emptyGroup())}>Clear</Button>
        <Button variant="primary" onPress={apply}>
          {applyLabel}
        </Button>
      </div>
    </div>
  );
}

function GroupEditor({ group, fields, typeOf, onChange, depth, variables }: { group: Group; fields: Field[]; typeOf: (path: string[]) => Field['type']; onChange: (group: Group) => void; depth: number; variables?: readonly string[] }) {
  const setChild = (index: number, child: Condition | Group | null) => {
    const children = [...group.children];
    if (child) children[index] = child;
    else children.splice(index, 1);
    onChange({ ...group, children });
  };
  const firstField = fields.find((f) => f.type !== 'alias')?.field ?? 'id';
  return (
    <div className="stack" style={{ borderLeft: depth ? '3px solid var(--border)' : undefined, paddingLeft: depth ? 12 : 0 }}>
      <div className="row">
        <SelectField
          hideLabel
          label={`Join of group ${depth + 1}`}
          value={group.join}
          options={[
            { id: '_and', label: 'All of (AND)' },
            { id: '_or', label: 'Any of (OR)' },
          ]}
          onChange={(join) => onChange({ ...group, join: join as Group['join'] })}
        />
        <Button small onPress={() => onChange({ ...group, children: [...group.children, { kind: 'condition', path: [firstField], operator: '_eq', value: '' }] })}>
          Add condition
        </Button>
        {depth < 3 && (
          <Button small onPress={() => onChange({ ...group, children: [...group.children, emptyGroup(group.join === '_and' ? '_or' : '_and')] })}>
            Add group
          </Button>
        )}
      </div>
      {group.children.map((child, index) =>
        child.kind === 'group' ? (
          <div key={index} className="stack">
            <GroupEditor group={child} fields={fields} typeOf={typeOf} onChange={(next) => setChild(index, next)} depth={depth + 1} variables={variables} />
            <div>
              <Button small variant="ghost" onPress={() => setChild(index, null)}>
                Remove group
              </Button>
            </div>
          </div>
        ) : (
          <ConditionEditor key={index} condition={child} typeOf={typeOf} index={index} onChange={(next) => setChild(index, next)} variables={variables} />
        ),
      )}
    </div>
  );
}

function ConditionEditor({ condition, typeOf, index, onChange, variables }: { condition: Condition; typeOf: (path: string[]) => Field['type']; index: number; onChange: (c: Condition | null) => void; variables?: readonly string[] }) {
  const [text, setText] = useState(valueText(condition));
  // A variable stays the text it is: the server reads it, not the field's type.
  const read = (item: string) => (variables && item.startsWith('$') ? item : condition.path.length === 1 ? parseValue(typeOf(condition.path), item) : item);
  const setValue = (next: string) => {
    setText(next);
    onChange({ ...condition, value: valueFromText(condition.operator, next, read) });
  };
  return (
    <div className="filter-row">
      <TextInput label={`Field ${index + 1}`} value={condition.path.join('.')} onChange={(path) => onChange({ ...condition, path: path.split('.').filter(Boolean) })} hint="A field or a path: author.name" />
      <SelectField
        label={`Operator ${index + 1}`}
        value={condition.operator}
        options={OPERATORS.map((op) => ({ id: op, label: `${OPERATOR_LABELS[op]} (${op})` }))}
        onChange={(operator) => onChange({ ...condition, operator: operator as Operator, value: valueFromText(operator as Operator, text, read) })}
      />
      {VALUELESS.has(condition.operator) ? (
        <span />
      ) : (
        <ValueEditor index={index} text={text} operator={condition.operator} onChange={setValue} variables={variables} />
      )}
      <Button small variant="ghost" onPress={() => onChange(null)} aria-label={`Remove condition ${index + 1}`}>
        Remove
      </Button>
    </div>
  );
}

/** A condition's value; with `variables`, a picker beside it that puts one in. */
function ValueEditor({ index, text, operator, onChange, variables }: { index: number; text: string; operator: Operator; onChange: (text: string) => void; variables?: readonly string[] }) {
  const input = (
    <TextInput
      label={`Value ${index + 1}`}
      value={text}
      onChange={onChange}
      hint={operator.includes('between') ? 'Two values: from, to' : operator.endsWith('in') ? 'Comma-separated' : undefined}
    />
  );
  if (!variables) return input;
  return (
    <div className="stack filter-value">
      {input}
      <SelectField
        label={`Variable for value ${index + 1}`}
        hideLabel
        placeholder="Insert a variable…"
        value=""
        options={variables.map((variable) => ({ id: variable, label: variable }))}
        onChange={onChange}
      />
    </div>
  );
}
