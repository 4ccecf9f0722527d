import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { get, post, remove } from '../api/client';
import { describePreset, EMPTY_PRESET_FORM, presetBody, type AssetPreset, type PresetForm } from '../lib/asset-presets';
import { Button, ErrorAlert, Loading, SelectField, TextInput } from './ui';

const FITS = [
  { id: '', label: 'Default (cover)' },
  { id: 'cover', label: 'Cover: crop to fill' },
  { id: 'contain', label: 'Contain: letterbox' },
  { id: 'inside', label: 'Inside: fit within' },
  { id: 'outside', label: 'Outside: cover the box' },
];
const FORMATS = [
  { id: '', label: 'Same as the image' },
  { id: 'webp', label: 'WebP' },
  { id: 'avif', label: 'AVIF' },
  { id: 'jpeg', label: 'JPEG' },
  { id: 'png', label: 'PNG' },
];

/** The workspace's image presets (`/asset-presets`): named transforms that `/assets/{id}?preset=name` applies. */
export function AssetPresets({ ws }: { ws: string }) {
  const queryClient = useQueryClient();
  const queryKey = ['w', ws, 'asset-presets'];
  const presets = useQuery({ queryKey, queryFn: () => get<AssetPreset[]>(`/w/${ws}/asset-presets`) });
  const [form, setForm] = useState<PresetForm>(EMPTY_PRESET_FORM);
  const set = (field: keyof PresetForm) => (value: string) => setForm((current) => ({ ...current, [field]: value }));
  const create = useMutation({
    mutationFn: () => post(`/w/${ws}/asset-presets`, presetBody(form)),
    onSuccess: async () => {
      setForm(EMPTY_PRESET_FORM);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const drop = useMutation({
    mutationFn: (name: string) => remove(`/w/${ws}/asset-presets/${encodeURIComponent(name)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey }),
  });

  return (
    <section className="card" aria-labelledby="asset-presets">
      <div className="card-head">
        <h2 id="asset-presets">Image presets</h2>
      </div>
      <div className="card-body stack">
        <p className="hint">Named image transforms: any reader of an image may ask for one with /assets/&#123;id&#125;?preset=name.</p>
        {presets.error ? <ErrorAlert error={presets.error} /> : null}
        {!presets.data && !presets.error && <Loading what="the presets" />}
        {presets.data && presets.data.length === 0 && <p className="hint">No presets yet.</p>}
        {presets.data && presets.data.length > 0 && (
          <ul className="preset-list">
            {presets.data.map((preset) => (
              <li key={preset.name} className="row">
                <strong>{preset.name}</strong>
                <span className="hint">{describePreset(preset)}</span>
                <div className="spacer" />
                <Button small variant="ghost" aria-label={`Delete preset ${preset.name}`} onPress={() => drop.mutate(preset.name)}>
                  Delete
                </Button>
              </li>
            ))}
          </ul>
        )}
        <ErrorAlert error={drop.error} />
        <Form
          className="stack"
          aria-label="New image preset"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <div className="form-grid">
            <TextInput label="Preset name" value={form.name} onChange={set('name')} isRequired hint="Lower-case letters, digits, _ or -." />
            <TextInput label="Width (px)" value={form.width} onChange={set('width')} />
            <TextInput label="Height (px)" value={form.height} onChange={set('height')} />
            <SelectField label="Fit" value={form.fit} options={FITS} onChange={set('fit')} />
            <SelectField label="Format" value={form.format} options={FORMATS} onChange={set('format')} />
            <TextInput label="Quality (1–100)" value={form.quality} onChange={set('quality')} />
          </div>
          <ErrorAlert error={create.error} />
          <div className="row end">
            <Button type="submit" variant="primary" isPending={create.isPending}>
              Add preset
            </Button>
          </div>
        </Form>
      </div>
    </section>
  );
}
