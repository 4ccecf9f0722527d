/*
 * What a template is: a part of a schema snapshot (collections, relations, indexes, app roles and
 * policies, in the shape `GET /schema/snapshot` gives them), the sample items it may add, and a README.
 */

type Raw = Record<string, unknown>;

/** A field as `POST /fields/{collection}` takes it; options left out take their defaults. */
export type TemplateField = Raw & { field: string; type: string };

export interface TemplateCollection {
  collection: string;
  primary_key: 'integer' | 'uuid';
  note: string | null;
  fields: TemplateField[];
}

export interface TemplateRelation {
  collection: string;
  field: string;
  related_collection: string;
  on_delete: 'SET NULL' | 'CASCADE' | 'RESTRICT';
  one_field: string | null;
  junction: { other_field: string; alias: string | null } | null;
}

export interface TemplatePolicy {
  name: string;
  role: string;
  collection: string;
  action: 'read' | 'create' | 'update' | 'delete';
  filter?: Raw | null;
  fields?: string[];
  presets?: Raw | null;
  validation?: Raw | null;
}

/**
 * One sample item: created in `collection` with `data`, through the items door as the workspace's
 * owner. A value `{"$ref": "acme"}` anywhere in `data` stands for the key of the item created earlier
 * under `ref: "acme"`, so that samples can point at one another without knowing their keys.
 */
export interface SampleItem {
  ref?: string;
  collection: string;
  data: Raw;
}

/** The schema part of a template: the sections of a snapshot it adds to a workspace. */
export interface TemplateSchema {
  collections: TemplateCollection[];
  relations: TemplateRelation[];
  indexes?: Array<{ collection: string; name: string; fields: string[]; unique: boolean }>;
  roles?: Array<{ name: string; description: string | null }>;
  policies?: TemplatePolicy[];
}

export interface TemplateDefinition {
  /** What `POST /w/{ws}/templates/{name}/apply` and `"template"` name it: lower-case letters. */
  name: string;
  title: string;
  description: string;
  /** Markdown: what the template made and how to use it, shown in the console. */
  readme: string;
  schema: TemplateSchema;
  /** Created only when asked for (`sample_data: true`), in this order. */
  sample: SampleItem[];
}
