import type { VariableTable } from './section';
import { AppConfig, sections } from './sections';
import type { ServerValues } from './sections/server';

/** Thrown when the environment does not describe a configuration Cairn can run with. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A table's values that are right, and whether every one was. */
interface Reading {
  values: Record<string, unknown>;
  valid: boolean;
}

/**
 * Reads and validates the configuration from an environment. Nothing else in Cairn reads process.env:
 * a wrong value stops the process here, with a message naming the variable (one per variable, the first
 * check it fails), then the rules between variables of each section whose variables are right.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const names = Object.keys(sections) as (keyof AppConfig)[];
  const readings = Object.fromEntries(names.map((name) => [name, read(sections[name].variables, env, problems)])) as Record<keyof AppConfig, Reading>;
  for (const name of names) {
    if (!readings[name].valid) continue;
    const rules = sections[name].rules as (values: Record<string, unknown>, server: Partial<ServerValues>) => string[];
    problems.push(...rules(readings[name].values, readings.server.values as Partial<ServerValues>));
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return Object.fromEntries(
    names.map((name) => {
      const build = sections[name].build as (values: Record<string, unknown>, server: ServerValues) => unknown;
      return [name, build(readings[name].values, readings.server.values as ServerValues)];
    }),
  ) as AppConfig;
}

function read(variables: VariableTable, env: NodeJS.ProcessEnv, problems: string[]): Reading {
  const reading: Reading = { values: {}, valid: true };
  for (const [key, variable] of Object.entries(variables)) {
    // An empty value counts as unset.
    const raw = env[variable.name] || undefined;
    const text = raw ?? variable.default;
    const problem = text === undefined ? undefined : firstProblem(variable.checks, text, variable.name);
    if (problem) {
      problems.push(problem);
      reading.valid = false;
    } else {
      reading.values[key] = variable.convert(raw);
    }
  }
  return reading;
}

function firstProblem(checks: VariableTable[string]['checks'], text: string, name: string): string | undefined {
  for (const check of checks) {
    const problem = check(text, name);
    if (problem) return problem;
  }
  return undefined;
}

/** True when the JWT secret was generated for this process because none was configured. */
export function isEphemeralSecret(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.JWT_SECRET;
}
