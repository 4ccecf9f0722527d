import { Form } from 'react-aria-components';
import { FIELD_TYPES, type FieldType } from '../api/types';
import { emptyDraft, optionsOf, VALIDATION_RULES, type FieldDraft, type RuleName } from '../lib/fields';
import { Button, Checkbox, SelectField, TextInput } from './ui';

/** Types whose name alone does not say what they hold. */
const TYPE_LABELS: Partial<Record<FieldType, string>> = { app_user: 'app_user (relates to an app user)', member: 'member (relates to a workspace member)' };

const RULE_LABELS: Record<RuleName, string> = {
  required: 'Required',
  email: 'Email address',
  url: 'URL',
  regex: 'Matches pattern',
  min: 'Minimum value',
  max: 'Maximum value',
  min_length: 'Minimum length',
  max_length: 'Maximum length',
};

/** Every option of a field of any type, with its validation rules and their messages. */
export function FieldForm({
  draft,
  onChange,
  onSubmit,
  submitLabel,
  busy,
  fieldError,
  children,
}: {
  draft: FieldDraft;
  onChange: (draft: FieldDraft) => void;
  onSubmit: () => void;
  submitLabel: string;
  busy: boolean;
  fieldError: (name: string) => string | undefined;
  children?: React.ReactNode;
}) {
  const set = <K extends keyof FieldDraft>(key: K, value: FieldDraft[K]) => onChange({ ...draft, [key]: value });
  const options = optionsOf(draft.type);
  const setRule = (rule: RuleName, spec: { value: string; message: string } | undefined) => {
    const rules = { ...draft.rules };
    if (spec) rules[rule] = spec;
    else delete rules[rule];
    onChange({ ...draft, rules });
  };
  return (
    <Form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <div className="form-grid">
        <TextInput label="Name" value={draft.field} onChange={(value) => set('field', value)} isRequired autoFocus error={fieldError('field')} />
        <SelectField
          label="Type"
          value={draft.type}
          options={FIELD_TYPES.map((type) => ({ id: type, label: TYPE_LABELS[type] ?? type }))}
          onChange={(type) => onChange({ ...emptyDraft(type as FieldType), field: draft.field, note: draft.note, required: draft.required, rules: draft.rules })}
        />
        {options.length && <TextInput label="Length" type="number" value={draft.length} onChange={(value) => set('length', value)} hint="1–4000, 255 by default." error={fieldError('length')} />}
        {options.precision && (
          <>
            <TextInput label="Precision" type="number" value={draft.precision} onChange={(value) => set('precision', value)} hint="Digits in all, 1–38." error={fieldError('precision')} />
            <TextInput label="Scale" type="number" value={draft.scale} onChange={(value) => set('scale', value)} hint="Digits after the point, 0–30." error={fieldError('scale')} />
          </>
        )}
        {options.values && (
          <TextInput className="wide" label="Values" value={draft.values} onChange={(value) => set('values', value)} hint="Comma-separated, e.g. draft, published, archived." error={fieldError('values')} />
        )}
        {options.autocode && (
          <>
            <TextInput label="Prefix" value={draft.prefix} onChange={(value) => set('prefix', value)} hint="e.g. CLI-" error={fieldError('autocode.prefix')} />
            <TextInput label="Padding" type="number" value={draft.padding} onChange={(value) => set('padding', value)} hint="Digits, 4 by default: CLI-0001." error={fieldError('autocode.padding')} />
          </>
        )}
        {options.defaultable && (
          <TextInput label="Default value" value={draft.defaultValue} onChange={(value) => set('defaultValue', value)} hint={draft.type === 'json' ? 'JSON.' : 'Empty: no default.'} error={fieldError('default')} />
        )}
        {options.column ? (
          <TextInput className="wide" label="Note" value={draft.note} onChange={(value) => set('note', value)} hint="Shown to people editing this field." />
        ) : (
          <p className="wide hint">Many files per item: the field is a junction collection named after this collection and field, with a file field <code>file</code> and an integer <code>position</code>.</p>
        )}
      </div>
      {options.column && (
        <>
          <div className="row" style={{ gap: 20, flexWrap: 'wrap' }}>
            <Checkbox isSelected={draft.required} onChange={(value) => set('required', value)}>
              Required
            </Checkbox>
            {options.indexable && draft.type !== 'autocode' && (
              <>
                <Checkbox isSelected={draft.unique} onChange={(value) => set('unique', value)}>
                  Unique
                </Checkbox>
                <Checkbox isSelected={draft.index} onChange={(value) => set('index', value)}>
                  Indexed
                </Checkbox>
              </>
            )}
          </div>
          <fieldset className="stack" style={{ border: '1px solid var(--border)', borderRadius: 8, padding: 12 }}>
            <legend className="label">Validation rules</legend>
            {VALIDATION_RULES.filter((rule) => rule !== 'required').map((rule) => {
              const spec = draft.rules[rule];
              const flag = rule === 'email' || rule === 'url';
              return (
                <div key={rule} className="form-grid" style={{ alignItems: 'end', gridTemplateColumns: '180px 1fr 1fr' }}>
                  <Checkbox isSelected={Boolean(spec)} onChange={(on) => setRule(rule, on ? { value: '', message: '' } : undefined)}>
                    {RULE_LABELS[rule]}
                  </Checkbox>
                  {spec && !flag ? (
                    <TextInput label={`${RULE_LABELS[rule]}: value`} value={spec.value} onChange={(value) => setRule(rule, { ...spec, value })} error={fieldError(`validation.${rule}`)} />
                  ) : (
                    <span />
                  )}
                  {spec ? <TextInput label={`${RULE_LABELS[rule]}: message`} value={spec.message} onChange={(message) => setRule(rule, { ...spec, message })} /> : <span />}
                </div>
              );
            })}
          </fieldset>
        </>
      )}
      {children}
      <div className="row end">
        <Button type="submit" variant="primary" isPending={busy}>
          {submitLabel}
        </Button>
      </div>
    </Form>
  );
}
