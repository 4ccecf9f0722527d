import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

/**
 * The folders of src/ must not import one another in a circle: a folder below another must be readable,
 * testable and changeable without it. The folders are src/config, src/engine, each src/common/<x> and
 * src/modules/<x>; each file at the top of src/ (main, app.module, app.factory, cli) is a node of its own,
 * which may import anything and which nothing imports.
 */

const SRC = join(__dirname, '..', '..', '..', 'src');

/** Paths are relative to src/, with forward slashes: `modules/auth/principal.guard.ts`. */
type Sources = ReadonlyMap<string, string>;

interface FileEdge {
  from: string;
  specifier: string;
}

/** Folder → folder it imports → the file-level imports behind that edge. */
type FolderGraph = Map<string, Map<string, FileEdge[]>>;

const TOP_LEVEL_FILES = new Set(['main', 'app.module', 'app.factory', 'cli']);

/** `modules/auth/principal.guard.ts` → `modules/auth`; `engine/sql/dialect.ts` → `engine`; `main.ts` → `main`. */
function folderOf(path: string): string {
  const parts = path.replace(/\.ts$/, '').split('/');
  return parts[0] === 'common' || parts[0] === 'modules' ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The file of src/ a relative specifier names; null for a package or a file outside src/. */
function resolve(sources: Sources, from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (sources.has(candidate)) return candidate;
  if (base.startsWith('../')) return null;
  throw new Error(`${from} imports "${specifier}", which is no file of src/.`);
}

/** Every import between folders: static, `import type`, re-exports, `require` and dynamic `import()`. */
function folderGraph(sources: Sources): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const [path, text] of sources) {
    const from = folderOf(path);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolve(sources, path, specifier);
      if (target === null) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from)!;
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to)!.push({ from: path, specifier });
    }
  }
  return graph;
}

/** The strongly connected components of more than one folder (Tarjan), each sorted, in a stable order. */
function folderCycles(graph: FolderGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

/** A component told as its folders, then each import between two of them with the first file behind it. */
function describeCycle(graph: FolderGraph, component: string[]): string {
  const members = new Set(component);
  const steps = component.flatMap((from) =>
    [...(graph.get(from) ?? [])]
      .filter(([to]) => members.has(to))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([to, edges]) => `  ${from} -> ${to}: src/${edges[0].from} imports '${edges[0].specifier}'${edges.length > 1 ? ` (and ${edges.length - 1} more)` : ''}`),
  );
  return [`cycle: ${component.join(', ')}`, ...steps].join('\n');
}

function readSources(): Sources {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.set(relative(SRC, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(SRC);
  return sources;
}

describe('the import graph of src/', () => {
  const sources = readSources();
  const graph = folderGraph(sources);

  it('reads the folders of src/', () => {
    for (const folder of ['config', 'engine', 'common/errors', 'common/database', 'modules/auth', 'modules/data', 'app.module']) assert.ok(graph.has(folder), folder);
    assert.ok(graph.get('modules/data')!.has('engine'), 'data imports the query engine');
  });

  it('has no cycle between folders', () => {
    const cycles = folderCycles(graph).map((component) => describeCycle(graph, component));
    assert.equal(cycles.length, 0, `${cycles.length} import cycle(s) between folders of src/:\n${cycles.join('\n')}`);
  });

  it('imports none of the top-level files from a folder', () => {
    const importers = [...graph].flatMap(([from, edges]) =>
      [...edges].filter(([to]) => TOP_LEVEL_FILES.has(to) && !TOP_LEVEL_FILES.has(from)).map(([to, files]) => `src/${files[0].from} imports '${files[0].specifier}' (${to})`),
    );
    assert.deepEqual(importers, []);
  });
});

describe('the import graph check', () => {
  const sources = new Map([
    ['main.ts', "import { a } from './modules/a/a';"],
    ['modules/a/a.ts', "import type { B } from '../b/b';\nexport const a = 1;"],
    ['modules/b/b.ts', "export * from '../c/c';\nimport { x } from 'some-package';"],
    ['modules/c/c.ts', "const later = () => import('../a/a');\nimport { d } from '../../common/d/d';"],
    ['common/d/d.ts', 'export const d = 1;'],
  ]);
  const graph = folderGraph(sources);

  it('follows type imports, re-exports and dynamic imports, and skips packages', () => {
    assert.deepEqual([...graph.get('modules/a')!.keys()], ['modules/b']);
    assert.deepEqual([...graph.get('modules/b')!.keys()], ['modules/c']);
    assert.deepEqual([...graph.get('modules/c')!.keys()], ['modules/a', 'common/d']);
  });

  it('names a cycle of three folders with a file for each step', () => {
    const cycles = folderCycles(graph);
    assert.deepEqual(cycles, [['modules/a', 'modules/b', 'modules/c']]);
    assert.equal(
      describeCycle(graph, cycles[0]),
      [
        'cycle: modules/a, modules/b, modules/c',
        "  modules/a -> modules/b: src/modules/a/a.ts imports '../b/b'",
        "  modules/b -> modules/c: src/modules/b/b.ts imports '../c/c'",
        "  modules/c -> modules/a: src/modules/c/c.ts imports '../a/a'",
      ].join('\n'),
    );
  });

  it('refuses an import of no file, rather than leaving an edge out', () => {
    assert.throws(() => folderGraph(new Map([['modules/a/a.ts', "import { gone } from './gone';"]])), /imports "\.\/gone", which is no file of src\//);
  });
});
