import type { Field, Item } from '../api/types';
import { formatValue, parseForWrite } from './fields';

/**
 * An open record holds three versions of each field: `base`, the value the user's text started from;
 * `theirs`, the item as the server last told (a realtime event or a read); and the user's text. Values
 * are compared as the form shows them, so that `12` and `"12"` or two spellings of a time are not told
 * apart where the user cannot see a difference.
 */
export type Texts = Record<string, string>;

/** The form's text of every field of an item (or of a new one, from the fields' defaults). */
export function textsOf(fields: Field[], item: Item | null): Texts {
  return Object.fromEntries(fields.map((f) => [f.field, formatValue(f.type, item ? item[f.field] : f.default)]));
}

/** Whether the user changed a field's text from the value it started from. */
export function isEdited(field: Field, base: Item, texts: Texts): boolean {
  return texts[field.field] !== formatValue(field.type, base[field.field]);
}

/** What a save writes: the fields the user edited (an update), or filled in (a create); InvalidText for JSON that is not. */
export function valuesToSave(fields: Field[], base: Item | null, texts: Texts): Item {
  const values: Item = {};
  for (const field of fields) {
    const send = base ? isEdited(field, base, texts) : texts[field.field] !== '';
    if (send) values[field.field] = parseForWrite(field.field, field.type, texts[field.field]);
  }
  return values;
}

export interface Followed {
  texts: Texts;
  base: Item;
  /** Fields whose text now shows their change. */
  followed: string[];
}

/**
 * A newer version of the item applied to an open form: fields the user has not edited take the new value
 * (the form follows the item live), fields the user has edited keep the user's text and their base, so
 * that a change made meanwhile by someone else is still seen as one at save time.
 */
export function follow(fields: Field[], base: Item, theirs: Item, texts: Texts): Followed {
  const nextTexts = { ...texts };
  const nextBase: Item = { ...theirs };
  const followed: string[] = [];
  for (const field of fields) {
    const name = field.field;
    if (!(name in theirs)) {
      nextBase[name] = base[name];
      continue;
    }
    const theirText = formatValue(field.type, theirs[name]);
    if (isEdited(field, base, texts) && texts[name] !== theirText) {
      nextBase[name] = base[name];
    } else if (texts[name] !== theirText) {
      nextTexts[name] = theirText;
      followed.push(name);
    }
  }
  return { texts: nextTexts, base: nextBase, followed };
}

export interface Conflict {
  field: string;
  theirs: string;
  yours: string;
}

/**
 * The fields a save would write over someone else's change: edited by the user, changed on the server
 * since the user's text started from it, and now different from the user's text.
 */
export function conflicts(fields: Field[], base: Item, theirs: Item, texts: Texts): Conflict[] {
  const found: Conflict[] = [];
  for (const field of fields) {
    const name = field.field;
    if (!(name in theirs)) continue;
    const baseText = formatValue(field.type, base[name]);
    const theirText = formatValue(field.type, theirs[name]);
    if (texts[name] !== baseText && theirText !== baseText && texts[name] !== theirText) found.push({ field: name, theirs: theirText, yours: texts[name] });
  }
  return found;
}

/** Takes their side of each conflict: the user's text and base of those fields become theirs. */
export function takeTheirs(fields: Field[], base: Item, theirs: Item, texts: Texts, chosen: Conflict[]): { texts: Texts; base: Item } {
  const names = new Set(chosen.map((c) => c.field));
  const nextTexts = { ...texts };
  const nextBase = { ...base };
  for (const field of fields) {
    if (!names.has(field.field)) continue;
    nextTexts[field.field] = formatValue(field.type, theirs[field.field]);
    nextBase[field.field] = theirs[field.field];
  }
  return { texts: nextTexts, base: nextBase };
}
