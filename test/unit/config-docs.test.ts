import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/common/version';
import { sections } from '../../src/config/sections';
import type { Variable } from '../../src/config/variable';

const declared: Variable<unknown>[] = Object.values(sections).flatMap((section) => Object.values(section.variables));
const declaredNames = declared.map((variable) => variable.name);

/** Each variable `.env.example` shows, with the value of its first line (`# NAME=value`). */
function envExample(): Map<string, string> {
  const shown = new Map<string, string>();
  for (const line of readFileSync(join(packageRoot(), '.env.example'), 'utf8').split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match && !shown.has(match[1])) shown.set(match[1], match[2]);
  }
  return shown;
}

/** Each variable of the README's configuration table, with its Default cell; a row may name several. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const rows = section.slice(0, section.indexOf('\n## ', 1)).split('\n').filter((line) => line.startsWith('| `'));
  const documented = new Map<string, string>();
  for (const row of rows) {
    const [names, fallback] = row.split(' | ');
    for (const [, name] of names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) documented.set(name, fallback.trim());
  }
  return documented;
}

function difference(left: Iterable<string>, right: Iterable<string>): string[] {
  const others = new Set(right);
  return [...left].filter((name) => !others.has(name));
}

describe('configuration documentation', () => {
  it('declares each variable once', () => {
    assert.deepEqual(declaredNames.filter((name, index) => declaredNames.indexOf(name) !== index), [], 'declared in two places');
  });

  it('lists every declared variable in .env.example, and none that is not', () => {
    const shown = envExample();
    assert.deepEqual(difference(declaredNames, shown.keys()), [], 'declared but missing from .env.example');
    assert.deepEqual(difference(shown.keys(), declaredNames), [], 'in .env.example but declared nowhere');
  });

  it('lists every declared variable in the README\'s table, and none that is not', () => {
    const documented = readmeTable();
    assert.deepEqual(difference(declaredNames, documented.keys()), [], 'declared but missing from the README');
    assert.deepEqual(difference(documented.keys(), declaredNames), [], 'in the README but declared nowhere');
  });

  it('shows each declared default in .env.example and the README', () => {
    const shown = envExample();
    const documented = readmeTable();
    for (const { name, default: fallback } of declared) {
      if (fallback === undefined) continue;
      assert.equal(documented.get(name), fallback === '' ? 'empty' : `\`${fallback}\``, `the README's default of ${name}`);
      // An empty default leaves room for an example value.
      if (fallback !== '') assert.equal(shown.get(name), fallback, `the default .env.example shows for ${name}`);
    }
  });
});
