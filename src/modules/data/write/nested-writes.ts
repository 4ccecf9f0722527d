import { Injectable } from '@nestjs/common';
import { Database } from '../../../common/database/database.service';
import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { RequestOrigin } from '../../audit/activity.recorder';
import { primaryKeyField } from '../../schema/schema.lookup';
import { SchemaRegistry } from '../../schema/schema.registry';
import type { CollectionDef, WorkspaceSchema } from '../../schema/schema.types';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import type { CreateCommand, UpdateCommand, WriteAnswer } from '../items.commands';
import { keyFromBody } from '../items.keys';
import { ItemTargets, WriteAction } from '../items.targets';
import { ItemsReader } from '../read/items.reader';
import { ItemsWriter } from './items.writer';
import { isNestedWrite, isPlainObject, ManyToOne, pathOf, splitNested, ToMany, toManyValue } from './nested-input';

type Row = Record<string, unknown>;
type OneToMany = Extract<ToMany, { kind: 'o2m' }>;
type ManyToMany = Extract<ToMany, { kind: 'm2m' }>;

/** A related item as a list gives it, with its place in the request. */
interface Entry {
  entry: unknown;
  where: string;
}

/** One nested write: who writes, from where, against which schema. */
interface Writing {
  access: ItemsAccess;
  origin: RequestOrigin;
  schema: WorkspaceSchema;
}

/**
 * Nested writes: an item written together with its related items, in one unit of work
 * (Database.together), so that all of it commits or none, and nobody hears of any of it before the
 * commit. Each related item is written through the writer's own create, update or delete with the
 * caller's access — its policies, validation, hooks, activity, revisions, webhooks, flows and events are
 * those of a direct write — and a refusal names its place in the request (`tags.1.name`).
 *
 * A many-to-one given as an object is written first (created, or updated when it carries its key) and
 * the item holds its key. A one-to-many or many-to-many is written once the item's key is known: a list
 * of objects or keys is the whole set (on an update, the items it no longer names are let go: see
 * `letGo`), or the detailed form `{"create", "update", "delete"}` changes the set by as much.
 */
@Injectable()
export class NestedWrites {
  constructor(
    private readonly db: Database,
    private readonly registry: SchemaRegistry,
    private readonly targets: ItemTargets,
    private readonly writer: ItemsWriter,
    private readonly reader: ItemsReader,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {}

  /** Whether a write of these items into the collection is nested (see isNestedWrite). */
  async involves(access: ItemsAccess, collection: string, items: readonly unknown[]): Promise<boolean> {
    return isNestedWrite(await this.registry.forWorkspace(access.workspace), collection, items);
  }

  /** Creates the items with their related items; answers the items read back as the caller may read them. */
  async create(access: ItemsAccess, command: CreateCommand): Promise<Row[]> {
    const max = this.config.maxBatchSize;
    if (command.items.length === 0) throw invalidPayload('Invalid payload: the batch is empty.');
    if (command.items.length > max) throw invalidPayload(`Invalid payload: a batch may hold at most ${max} items.`);
    const writing = await this.writing(access, command.origin);
    return this.db.together(async () => {
      const collection = await this.collection(writing, command.collection, 'create');
      const keys: unknown[] = [];
      const answered: Array<Row[] | null> = [];
      for (const [index, item] of command.items.entries()) {
        const created = await this.createItem(writing, collection, item, command.batch ? String(index) : '', 0, command);
        keys.push(created.key);
        answered.push(created.answered);
      }
      // The rows the inserts answered are the items as they are now, unless another write of the unit
      // touched their collection since (a hook's, a related item of the same collection): read back then.
      if (answered.every((rows) => rows !== null) && this.db.unitWrites(collection.name) === command.items.length) return answered.flat() as Row[];
      return this.readBack(access, command.collection, 'create', keys, command);
    });
  }

  /** Updates the items with their related items; answers the items read back as the caller may read them. */
  async update(access: ItemsAccess, command: UpdateCommand): Promise<Row[]> {
    const writing = await this.writing(access, command.origin);
    return this.db.together(async () => {
      const collection = await this.collection(writing, command.collection, 'update');
      let keys: unknown[];
      if ('each' in command) {
        const max = this.config.maxBatchSize;
        if (command.each.length > max) throw invalidPayload(`Invalid payload: a batch may hold at most ${max} items.`);
        keys = [];
        for (const [index, item] of command.each.entries()) {
          const id = isPlainObject(item) ? item[primaryKeyField(collection).field] : undefined;
          if (id === undefined || id === null) throw invalidPayload('Invalid payload: each item of a batch update needs its "id".', `${index}.id`);
          const key = keyFromBody(collection, id, `${index}.id`);
          if (await this.updateOne(writing, collection, key, item, String(index), 0)) keys.push(key);
        }
      } else {
        // One set of values for every item named (by id, keys or query): its many-to-ones are written once,
        // its own values through the writer as the command names the items, then each item's to-manys.
        const where = 'keys' in command && 'id' in command.keys ? '' : 'data';
        const split = splitNested(writing.schema, collection, command.values);
        if (!split) return this.writer.update(access, command);
        await this.writeParents(writing, split.own, split.parents, where, 0);
        keys = await this.writer.updateKeys(access, { ...command, values: split.own });
        for (const key of keys) for (const child of split.children) await this.writeToMany(writing, child.relation, key, child.value, pathOf(where, child.relation.field), 1, 'update');
      }
      return this.readBack(access, command.collection, 'update', keys, command);
    });
  }

  // ----- one item -----

  /** Creates an item with its related items; answers its key. */
  private async createOne(writing: Writing, collection: CollectionDef, item: unknown, path: string, depth: number): Promise<unknown> {
    return (await this.createItem(writing, collection, item, path, depth, null)).key;
  }

  /**
   * Creates an item with its related items; answers its key, and, when `answer` is given, the item as
   * the caller asked for it from the row its insert answered, where that is enough (see createAnswered).
   */
  private async createItem(writing: Writing, collection: CollectionDef, item: unknown, path: string, depth: number, answer: WriteAnswer | null): Promise<{ key: unknown; answered: Row[] | null }> {
    const split = splitNested(writing.schema, collection, item);
    const own = split?.own ?? item;
    if (split) await this.writeParents(writing, split.own, split.parents, path, depth);
    const command = { collection: collection.name, items: [own], batch: false, origin: writing.origin };
    const created = await named(path, '', () => (answer ? this.writer.createAnswered(writing.access, command, answer) : this.writer.createKeys(writing.access, command).then((keys) => ({ keys, answered: null }))));
    const [key] = created.keys;
    for (const child of split?.children ?? []) await this.writeToMany(writing, child.relation, key, child.value, pathOf(path, child.relation.field), depth + 1, 'create');
    return { key, answered: created.answered };
  }

  /** Updates an item with its related items; answers whether it exists (and the caller may update it). */
  private async updateOne(writing: Writing, collection: CollectionDef, key: unknown, item: unknown, path: string, depth: number): Promise<boolean> {
    const split = splitNested(writing.schema, collection, item);
    const own = { ...(split?.own ?? {}), [primaryKeyField(collection).field]: key };
    if (split) await this.writeParents(writing, own, split.parents, path, depth);
    const updated = await named(path, '0', () => this.writer.updateKeys(writing.access, { collection: collection.name, each: [own], origin: writing.origin }));
    if (updated.length === 0) return false;
    for (const child of split?.children ?? []) await this.writeToMany(writing, child.relation, key, child.value, pathOf(path, child.relation.field), depth + 1, 'update');
    return true;
  }

  /** Writes the many-to-ones given as objects, and sets their keys among the item's own values. */
  private async writeParents(writing: Writing, own: Row, parents: Array<{ relation: ManyToOne; value: Row }>, path: string, depth: number): Promise<void> {
    for (const { relation, value } of parents) {
      own[relation.field] = await this.relatedKey(writing, relation.related, value, pathOf(path, relation.field), depth + 1);
    }
  }

  /**
   * The key of a related item given as a key or an object: an object without its key is created; one
   * with its key and other values updates that item (or creates it with that key, when there is none).
   */
  private async relatedKey(writing: Writing, collectionName: string, value: unknown, path: string, depth: number): Promise<unknown> {
    this.assertDepth(depth, path);
    const collection = writing.schema.collections.get(collectionName)!;
    if (!isPlainObject(value)) return keyFromBody(collection, value, path);
    const keyField = primaryKeyField(collection).field;
    const given = value[keyField];
    if (given === undefined || given === null) return this.createOne(writing, collection, value, path, depth);
    const key = keyFromBody(collection, given, pathOf(path, keyField));
    if (Object.keys(value).length === 1) return key;
    if (await this.updateOne(writing, collection, key, value, path, depth)) return key;
    return this.createOne(writing, collection, value, path, depth);
  }

  /**
   * The keys of a list's related items (see relatedKey), in its order. The new items that carry nothing
   * nested are created together, as one batch create (one statement for their rows, one for their
   * activity…), rather than one create each.
   */
  private async relatedKeys(writing: Writing, collectionName: string, entries: Entry[], path: string, depth: number): Promise<unknown[]> {
    const collection = writing.schema.collections.get(collectionName)!;
    const keyField = primaryKeyField(collection).field;
    const isNew = ({ entry }: Entry) => isPlainObject(entry) && (entry[keyField] === undefined || entry[keyField] === null) && !isNestedWrite(writing.schema, collectionName, [entry]);
    const fresh = entries.filter(isNew);
    const keys: unknown[] = new Array(entries.length);
    if (fresh.length > 1) {
      this.assertDepth(depth, fresh[0].where);
      const items = fresh.map(({ entry }) => entry);
      const created = await namedBatch(path, fresh.map(({ where }) => where), () => this.writer.createKeys(writing.access, { collection: collectionName, items, batch: true, origin: writing.origin }));
      let next = 0;
      entries.forEach((entry, index) => {
        if (isNew(entry)) keys[index] = created[next++];
      });
    }
    for (const [index, { entry, where }] of entries.entries()) if (keys[index] === undefined) keys[index] = await this.relatedKey(writing, collectionName, entry, where, depth);
    return keys;
  }

  // ----- to-many -----

  private async writeToMany(writing: Writing, relation: ToMany, parentKey: unknown, value: unknown, path: string, depth: number, mode: 'create' | 'update'): Promise<void> {
    this.assertDepth(depth, path);
    const given = toManyValue(value, path);
    if (relation.kind === 'o2m') {
      if ('list' in given) {
        const kept = await this.adoptAll(writing, relation, parentKey, given.list.map((entry, index) => ({ entry, where: pathOf(path, index) })), path, depth);
        if (mode === 'update') await this.letGo(writing, relation, parentKey, { except: kept }, path);
        return;
      }
      const { create, update, delete: removed } = given.detailed;
      await this.adoptAll(writing, relation, parentKey, create.map((entry, index) => ({ entry, where: pathOf(path, 'create', index) })), path, depth);
      for (const [index, entry] of update.entries()) {
        if (!isPlainObject(entry)) throw invalidPayload('Invalid payload: an item to update must be an object with its key.', pathOf(path, 'update', index));
      }
      await this.adoptAll(writing, relation, parentKey, update.map((entry, index) => ({ entry, where: pathOf(path, 'update', index) })), path, depth);
      if (removed.length > 0) await this.letGo(writing, relation, parentKey, { only: this.keysOf(writing, relation.related, removed, pathOf(path, 'delete')) }, path);
      return;
    }
    await this.link(writing, relation, parentKey, given, path, depth, mode);
  }

  /** Makes each item of a list one of the parent's one-to-many (see adopt); answers their keys, in its order. */
  private async adoptAll(writing: Writing, relation: OneToMany, parentKey: unknown, entries: Entry[], path: string, depth: number): Promise<unknown[]> {
    const keys: unknown[] = new Array(entries.length);
    const objects = entries.flatMap((given, index) => (isPlainObject(given.entry) ? [{ index, entry: { ...given.entry, [relation.foreignKey]: parentKey }, where: given.where }] : []));
    const written = await this.relatedKeys(writing, relation.related, objects, path, depth);
    objects.forEach(({ index }, position) => (keys[index] = written[position]));
    for (const [index, { entry, where }] of entries.entries()) if (!isPlainObject(entry)) keys[index] = await this.adopt(writing, relation, parentKey, entry, where, depth);
    return keys;
  }

  /** Makes an item (created, updated or named by its key) one of the parent's one-to-many; answers its key. */
  private async adopt(writing: Writing, relation: OneToMany, parentKey: unknown, entry: unknown, path: string, depth: number): Promise<unknown> {
    if (isPlainObject(entry)) return this.relatedKey(writing, relation.related, { ...entry, [relation.foreignKey]: parentKey }, path, depth);
    // A key names an item that exists: it is moved to this parent, never created empty.
    const collection = writing.schema.collections.get(relation.related)!;
    const key = keyFromBody(collection, entry, path);
    if (!(await this.updateOne(writing, collection, key, { [relation.foreignKey]: parentKey }, path, depth))) {
      throw invalidPayload(`Invalid payload: "${collection.name}" has no item ${JSON.stringify(key)} that you may update.`, path);
    }
    return key;
  }

  /**
   * Lets go of a parent's one-to-many items (all but `except`, or `only` those): their key is set to null,
   * or, when the relation deletes them with their parent (ON DELETE CASCADE: they belong to it), they are
   * deleted. Directus asks the relation the same (its "deselect action").
   */
  private async letGo(writing: Writing, relation: OneToMany, parentKey: unknown, which: { except: unknown[] } | { only: unknown[] }, path: string): Promise<void> {
    const collection = writing.schema.collections.get(relation.related)!;
    const keyField = primaryKeyField(collection).field;
    if ('only' in which && which.only.length === 0) return;
    const byKey = 'only' in which ? { _in: which.only } : which.except.length > 0 ? { _nin: which.except } : null;
    const filter = { [relation.foreignKey]: { _eq: parentKey }, ...(byKey ? { [keyField]: byKey } : {}) };
    const { access, origin } = writing;
    if (relation.relation.onDelete !== 'CASCADE') {
      await named(path, 'data', () => this.writer.updateKeys(access, { collection: collection.name, query: { filter }, values: { [relation.foreignKey]: null }, origin }));
      return;
    }
    const keys = await this.keysWhere(access, collection, filter, path);
    if (keys.length > 0) await named(path, 'keys', () => this.writer.delete(access, { collection: collection.name, keys: { keys }, origin }));
  }

  /**
   * A many-to-many: each item given is written or named (see relatedKey), then linked through a junction
   * item, unless it is linked already. A list is the whole set: on an update, the links to items it does
   * not name are deleted (the items themselves stay). The detailed form's `delete` unlinks the items whose
   * keys it lists.
   */
  private async link(writing: Writing, relation: ManyToMany, parentKey: unknown, given: ReturnType<typeof toManyValue>, path: string, depth: number, mode: 'create' | 'update'): Promise<void> {
    const entries: Entry[] =
      'list' in given
        ? given.list.map((entry, index) => ({ entry, where: pathOf(path, index) }))
        : [...given.detailed.create.map((entry, index) => ({ entry, where: pathOf(path, 'create', index) })), ...given.detailed.update.map((entry, index) => ({ entry, where: pathOf(path, 'update', index) }))];
    const wanted = await this.relatedKeys(writing, relation.related, entries, path, depth);
    const junction = writing.schema.collections.get(relation.junction)!;
    const { access, origin } = writing;
    const linked = mode === 'create' ? new Set<string>() : await this.linked(writing, relation, junction, parentKey, wanted, path);
    const toLink = [...new Map(wanted.filter((key) => !linked.has(String(key))).map((key) => [String(key), key])).values()];
    if (toLink.length > 0) {
      const items = toLink.map((key) => ({ [relation.junctionLocalKey]: parentKey, [relation.junctionRelatedKey]: key }));
      await named(path, '', () => this.writer.createKeys(access, { collection: junction.name, items, batch: true, origin }));
    }
    if (mode === 'create') return;
    const removed = 'list' in given ? null : this.keysOf(writing, relation.related, given.detailed.delete, pathOf(path, 'delete'));
    if (removed?.length === 0) return;
    const byRelated = removed ? { _in: removed } : wanted.length > 0 ? { _nin: wanted } : null;
    const stale = await this.keysWhere(access, junction, { [relation.junctionLocalKey]: { _eq: parentKey }, ...(byRelated ? { [relation.junctionRelatedKey]: byRelated } : {}) }, path);
    if (stale.length > 0) await named(path, 'keys', () => this.writer.delete(access, { collection: junction.name, keys: { keys: stale }, origin }));
  }

  /** Which of the wanted items the parent is linked to already (their keys as strings), read in pages the query limit allows. */
  private async linked(writing: Writing, relation: ManyToMany, junction: CollectionDef, parentKey: unknown, wanted: unknown[], path: string): Promise<Set<string>> {
    const linked = new Set<string>();
    const page = this.config.maxLimit ?? wanted.length;
    for (let start = 0; start < wanted.length; start += page) {
      const keys = wanted.slice(start, start + page);
      const filter = { [relation.junctionLocalKey]: { _eq: parentKey }, [relation.junctionRelatedKey]: { _in: keys } };
      const { data } = await named(path, '', () => this.reader.list(writing.access, { collection: junction.name, params: { fields: [relation.junctionRelatedKey], filter, limit: keys.length } }));
      for (const row of data) linked.add(String(row[relation.junctionRelatedKey]));
    }
    return linked;
  }

  // ----- helpers -----

  /** The keys of the items the caller may delete that a filter finds (at most the batch size: more is 400). */
  private async keysWhere(access: ItemsAccess, collection: CollectionDef, filter: Row, path: string): Promise<unknown[]> {
    const max = this.config.maxBatchSize;
    return named(path, '', async () => {
      const target = await this.targets.write(access, collection.name, 'delete');
      const found = await this.reader.keysNamed(target, { filter }, target.grant?.filter ?? null, max + 1);
      if (found.keys.length > max) throw invalidPayload(`Invalid payload: this would let go of more than ${max} "${collection.name}" items at once.`);
      return found.keys;
    });
  }

  private keysOf(writing: Writing, collectionName: string, given: unknown[], path: string): unknown[] {
    const collection = writing.schema.collections.get(collectionName)!;
    const keyField = primaryKeyField(collection).field;
    return given.map((entry, index) => keyFromBody(collection, isPlainObject(entry) ? entry[keyField] : entry, pathOf(path, index)));
  }

  private assertDepth(depth: number, path: string): void {
    const max = this.config.maxDepth;
    if (depth > max) throw invalidPayload(`Invalid payload: nested writes may reach at most ${max} relations deep (QUERY_MAX_DEPTH).`, path);
  }

  private async writing(access: ItemsAccess, origin: RequestOrigin): Promise<Writing> {
    return { access, origin, schema: await this.registry.forWorkspace(access.workspace) };
  }

  /** The collection written to, once the caller's right to the action on it is checked (so that an unknown collection is 404 or 403 as on a direct write). */
  private async collection(writing: Writing, name: string, action: WriteAction): Promise<CollectionDef> {
    return (await this.targets.write(writing.access, name, action)).collection;
  }

  private async readBack(access: ItemsAccess, collection: string, action: WriteAction, keys: unknown[], answer: WriteAnswer): Promise<Row[]> {
    return this.reader.readKeys(await this.targets.write(access, collection, action), keys, answer);
  }
}

/**
 * Runs a step of a nested write, naming its refusal by the step's place in the request: the field the
 * writer named, found under `from` (what the writer calls the item: '' for one item, '0' for the first of
 * a batch, 'data' for the values of an update), is named under `path` instead (`tags.1` + `name`); a
 * refusal that names no field names the path.
 */
async function named<T>(path: string, from: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AppError && path !== '') {
      renameField(error.extensions, path, from);
      for (const more of error.more) renameField(more.extensions, path, from);
    }
    throw error;
  }
}

/** Runs a batch create of a list's items, naming its refusal by the failing item's place in the request (the batch's `2.name` as `tags.5.name`). */
async function namedBatch<T>(path: string, wheres: string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AppError) {
      for (const extensions of [error.extensions, ...error.more.map((more) => more.extensions)]) {
        const match = typeof extensions.field === 'string' ? /^(\d+)(?:\.(.*))?$/.exec(extensions.field) : null;
        const where = match ? wheres[Number(match[1])] : undefined;
        extensions.field = where === undefined ? path : pathOf(where, match?.[2] ?? '');
      }
    }
    throw error;
  }
}

function renameField(extensions: Record<string, unknown>, path: string, from: string): void {
  const field = extensions.field;
  if (typeof field !== 'string') {
    extensions.field = path;
    return;
  }
  if (from === '') extensions.field = pathOf(path, field);
  else if (field === from) extensions.field = path;
  else if (field.startsWith(`${from}.`)) extensions.field = pathOf(path, field.slice(from.length + 1));
  else extensions.field = pathOf(path, field);
}
