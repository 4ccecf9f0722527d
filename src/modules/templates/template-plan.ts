import { conflict } from '../../common/errors/app-error';
import type { TemplateDefinition } from './template.types';

/*
 * How a template joins a workspace: its sections are added to the workspace's own snapshot, and that
 * whole document is applied. Everything the workspace has stays as it is (the snapshot diff finds no
 * step for it), so the plan only creates; a template that would replace something of the workspace is
 * refused before anything runs.
 */

type Raw = Record<string, unknown>;

/** The snapshot sections a template adds to; the others are left out of the document, so left alone. */
const ADDED_SECTIONS = ['roles', 'policies'] as const;

const policyKey = (policy: Raw) => `${String(policy.role)} ${String(policy.action)} ${String(policy.collection)}`;

/**
 * What of the template the workspace has already: collections, app roles, and policies (one per role,
 * action and collection) of the same names. Empty when the template fits.
 */
export function clashesOf(workspace: Raw, template: TemplateDefinition): string[] {
  const names = (section: unknown, key: (entry: Raw) => string) => new Set((Array.isArray(section) ? (section as Raw[]) : []).map(key));
  const collections = names(workspace.collections, (c) => String(c.collection));
  const roles = names(workspace.roles, (r) => String(r.name));
  const policies = names(workspace.policies, policyKey);
  return [
    ...template.schema.collections.filter((c) => collections.has(c.collection)).map((c) => `collection "${c.collection}"`),
    ...(template.schema.roles ?? []).filter((r) => roles.has(r.name)).map((r) => `app role "${r.name}"`),
    ...(template.schema.policies ?? []).filter((p) => policies.has(policyKey(p as unknown as Raw))).map((p) => `policy "${policyKey(p as unknown as Raw)}"`),
  ];
}

/** 409 naming what the workspace has of the template already. */
export function assertNoClash(workspace: Raw, template: TemplateDefinition): void {
  const clashes = clashesOf(workspace, template);
  if (clashes.length === 0) return;
  throw conflict(`The template "${template.name}" cannot be applied: the workspace already has ${clashes.join(', ')}. Rename or delete ${clashes.length === 1 ? 'it' : 'them'}, or apply the template to another workspace.`, {
    template: template.name,
    clashes,
  });
}

/** The workspace's snapshot with the template's collections, relations, indexes, roles and policies added. */
export function withTemplate(workspace: Raw, template: TemplateDefinition): Raw {
  const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []);
  const document: Raw = {
    version: 2,
    cairn: workspace.cairn,
    collections: [...list(workspace.collections), ...template.schema.collections],
    relations: [...list(workspace.relations), ...template.schema.relations],
    indexes: [...list(workspace.indexes), ...(template.schema.indexes ?? [])],
  };
  for (const section of ADDED_SECTIONS) document[section] = [...list(workspace[section]), ...(template.schema[section] ?? [])];
  return document;
}
