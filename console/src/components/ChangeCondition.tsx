import { useState } from 'react';
import { changedFromTo } from '../lib/flow-draft';
import { Button, SelectField, TextInput } from './ui';

/**
 * Builds a condition step's filter for "changed from X to Y": the field of the triggering item, the value
 * it had before the update and the one it has after (docs/flows.md). Filling it replaces the step's
 * condition, which stays editable as JSON.
 */
export function ChangeCondition({ fields, onBuild }: { fields: string[]; onBuild: (filter: string) => void }) {
  const [field, setField] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <fieldset className="choices wide change-condition">
      <legend>A change from one value to another</legend>
      <SelectField label="Field" value={field} options={fields.map((name) => ({ id: name, label: name }))} onChange={setField} placeholder="Choose a field" />
      <TextInput label="From" value={from} onChange={setFrom} placeholder="draft" />
      <TextInput label="To" value={to} onChange={setTo} placeholder="published" />
      <Button small isDisabled={!field} onPress={() => onBuild(JSON.stringify(changedFromTo(field, from, to), null, 2))}>
        Use as the condition
      </Button>
    </fieldset>
  );
}
