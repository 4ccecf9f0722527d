import type { ServerValues } from './sections/server';
import type { Variable } from './variable';

export type VariableTable = Record<string, Variable<unknown>>;

/** The values of a table's variables, under the table's keys. */
export type ValuesOf<V extends VariableTable> = { [K in keyof V]: V[K] extends Variable<infer T> ? T : never };

/**
 * A section of the configuration: a table of variables, the rules between them, and the shape the code
 * reads, built from their values and those of the server section (its data folder, NODE_ENV). Without
 * `build`, the shape is the table's values.
 */
export interface Section<V extends VariableTable, T> {
  readonly variables: V;
  /** Problems between several variables; asked once each variable of the section is right alone, with the server's values that are. */
  readonly rules: (values: ValuesOf<V>, server: Partial<ServerValues>) => string[];
  readonly build: (values: ValuesOf<V>, server: ServerValues) => T;
}

export function defineSection<V extends VariableTable, T = ValuesOf<V>>(spec: {
  variables: V;
  rules?: (values: ValuesOf<V>, server: Partial<ServerValues>) => string[];
  build?: (values: ValuesOf<V>, server: ServerValues) => T;
}): Section<V, T> {
  return {
    variables: spec.variables,
    rules: spec.rules ?? (() => []),
    build: spec.build ?? ((values) => values as unknown as T),
  };
}

/** The shape a section builds. */
export type SectionConfig<X> = X extends { build: (...args: never[]) => infer T } ? T : never;
