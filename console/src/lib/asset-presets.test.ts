import { describe, expect, it } from 'vitest';
import { describePreset, EMPTY_PRESET_FORM, presetBody } from './asset-presets';

describe('asset preset form', () => {
  it('sends whole numbers as numbers, leaves empty fields to the defaults and passes anything else for the server to refuse', () => {
    expect(presetBody({ ...EMPTY_PRESET_FORM, name: ' thumb ', width: '64', height: '', fit: 'contain', format: 'webp', quality: '80' })).toEqual({ name: 'thumb', width: 64, fit: 'contain', format: 'webp', quality: 80 });
    expect(presetBody({ ...EMPTY_PRESET_FORM, name: 'x', width: '1.5' })).toEqual({ name: 'x', width: '1.5' });
  });

  it('describes a preset in a few words', () => {
    expect(describePreset({ name: 't', width: 64, height: 64, fit: null, format: 'webp', quality: 80 })).toBe('64 × 64 · cover · webp · quality 80');
    expect(describePreset({ name: 'w', width: 1200, height: null, fit: null, format: null, quality: null })).toBe('1200 × auto · same format');
  });
});
