// The dependency rules of ARCHITECTURE.md, checked over the import graph of every workspace package
// (apps/*, packages/*), so a violation fails `npm test` instead of waiting for a reviewer:
//   1. a package imports only packages its package.json declares (no reliance on hoisting); test files
//      may also use the root toolchain (vitest and the other root devDependencies);
//   2. no deep imports: another workspace package is reached only through its `exports` map, never by
//      a path into its src, and a relative import never leaves its own package;
//   3. the dependency direction below; in particular apps/api imports neither drivers nor ai, and core
//      imports neither drivers nor hono.
// Exceptions (also in packages/contract/README.md): drivers and ai may import the zod-free subpath
// `@slipway/contract/image-reference` (the one image-reference grammar; drivers also
// `@slipway/contract/build-source`, the one build-source validator), and db the zod-free
// `@slipway/contract/vocabulary` (the status tuples its pgEnums are built from), and nothing else of
// contract. The console builds its forms from contract's schemas (ARCHITECTURE's layout says so).
// The direction governs shipped code: test code (tests, harnesses, shared scenarios, e2e support, the
// testing package) composes the system and may import any workspace package it declares, through its
// exports map, except what FORBIDDEN rules out everywhere.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** ARCHITECTURE.md "Dependency direction": which workspace packages each one may import. */
const ALLOWED: Record<string, readonly string[]> = {
  api: ['contract', 'core', 'jobs', 'db', 'telemetry'],
  worker: ['core', 'jobs', 'drivers', 'ai', 'db', 'telemetry'],
  core: ['contract', 'db', 'jobs'],
  ai: ['drivers'],
  cli: ['client'],
  console: ['client', 'contract'],
  client: ['contract'],
  contract: [],
  jobs: [],
  drivers: [],
  db: [],
  telemetry: [],
  // Test support (fixtures, wire-level doubles, scenarios): not part of the running system; it may use
  // the packages it exercises, never an app.
  testing: ['db', 'jobs', 'drivers', 'ai', 'contract'],
};

/** Imports allowed beyond ALLOWED, by exact specifier. */
const EXCEPTIONS: Record<string, readonly string[]> = {
  drivers: ['@slipway/contract/image-reference', '@slipway/contract/build-source'],
  ai: ['@slipway/contract/image-reference'],
  db: ['@slipway/contract/vocabulary'],
};

/** Packages that must never be imported from a package, whatever its package.json says. */
const FORBIDDEN: Record<string, readonly RegExp[]> = {
  api: [/^@slipway\/drivers(\/|$)/, /^@slipway\/ai(\/|$)/],
  core: [/^@slipway\/drivers(\/|$)/, /^hono(\/|$)/, /^@hono\//],
};

/** Packages whose imports of contract must be type-only (the client carries no schemas at run time). */
const TYPE_ONLY: Record<string, readonly string[]> = { client: ['contract'] };

type Manifest = {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: string | Record<string, unknown>;
};

type Workspace = { short: string; dir: string; manifest: Manifest };

export type ImportRef = { specifier: string; typeOnly: boolean; line: number };

/**
 * The module specifiers a TypeScript file imports: static imports and re-exports (value or type-only),
 * side-effect imports and dynamic `import('x')`. Comments are blanked first so commented-out code does
 * not count; statements are matched at line starts (Biome puts every top-level statement there).
 */
export function importsOf(source: string): ImportRef[] {
  const code = source.replace(
    /\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/[^\n]*/g,
    (m, pre: string | undefined) => (pre ?? '') + m.slice((pre ?? '').length).replace(/[^\n]/g, ' '),
  );
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  const out: ImportRef[] = [];
  const statement = /^[ \t]*(import|export)(\s+type)?\b([^;'"]*?)\bfrom\s*(['"])([^'"\n]+)\4/gm;
  for (const m of code.matchAll(statement)) {
    const braces = m[3] ?? '';
    // `import { type A, type B } from 'x'` is type-only too when every named import is a type.
    const names = /\{([^}]*)\}/.exec(braces)?.[1];
    const allTypes =
      names !== undefined &&
      !/^\s*\w+\s*,/.test(braces) &&
      names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n.startsWith('type '));
    out.push({ specifier: m[5] ?? '', typeOnly: Boolean(m[2]) || allTypes, line: lineOf(m.index) });
  }
  for (const m of code.matchAll(/^[ \t]*import\s*(['"])([^'"\n]+)\1/gm)) {
    out.push({ specifier: m[2] ?? '', typeOnly: false, line: lineOf(m.index) });
  }
  for (const m of code.matchAll(/\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g)) {
    out.push({ specifier: m[2] ?? '', typeOnly: false, line: lineOf(m.index) });
  }
  return out;
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
export function packageOf(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const n = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, n).join('/');
  const rest = parts.slice(n).join('/');
  return { name, subpath: rest === '' ? '.' : `./${rest}` };
}

const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

function workspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  for (const group of ['apps', 'packages']) {
    for (const d of readdirSync(join(root, group))) {
      const dir = join(root, group, d);
      try {
        out.push({ short: d, dir, manifest: readJson<Manifest>(join(dir, 'package.json')) });
      } catch {
        // not a package (no package.json yet)
      }
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Test code: tests, harnesses and helpers, shared scenarios, e2e support, the testing package. */
const isTestFile = (file: string) =>
  /\.test\.tsx?$|[\\/]test-[\w-]+\.tsx?$|-scenarios\.ts$/.test(file) ||
  file.includes(`${sep}e2e${sep}`) ||
  file.includes(`${sep}packages${sep}testing${sep}`);

/** Tool configuration (drizzle-kit, vite): run by the root toolchain, not shipped. */
const isToolConfig = (file: string) => /[\\/][\w-]+\.config\.ts$/.test(file);

const exportKeys = (m: Manifest): string[] =>
  m.exports === undefined ? ['.'] : typeof m.exports === 'string' ? ['.'] : Object.keys(m.exports);

/** Every rule above, as a list of violations `file:line: what`. */
function violations(root = ROOT): string[] {
  const ws = workspaces(root);
  const byName = new Map(ws.map((w) => [w.manifest.name, w]));
  const rootManifest = readJson<Manifest>(join(root, 'package.json'));
  const toolchain = new Set(Object.keys(rootManifest.devDependencies ?? {}));
  const builtins = new Set(builtinModules);
  const out: string[] = [];
  for (const w of ws) {
    const declared = new Set([
      ...Object.keys(w.manifest.dependencies ?? {}),
      ...Object.keys(w.manifest.devDependencies ?? {}),
      ...Object.keys(w.manifest.peerDependencies ?? {}),
    ]);
    const allowed = ALLOWED[w.short];
    if (!allowed) out.push(`${relative(root, w.dir)}: not in the dependency direction (add it to ALLOWED)`);
    for (const file of sourceFiles(w.dir)) {
      const test = isTestFile(file);
      const tooling = test || isToolConfig(file);
      const where = (line: number) => `${relative(root, file)}:${line}`;
      for (const imp of importsOf(readFileSync(file, 'utf8'))) {
        const s = imp.specifier;
        if (s.startsWith('.')) {
          const target = resolve(dirname(file), s);
          if (target !== w.dir && !target.startsWith(w.dir + sep))
            out.push(`${where(imp.line)}: relative import ${s} leaves ${w.manifest.name}`);
          continue;
        }
        if (s.startsWith('node:') || builtins.has(s) || builtins.has(s.split('/')[0] ?? '')) continue;
        if (s.startsWith('virtual:') || s.startsWith('/')) continue;
        const { name, subpath } = packageOf(s);
        for (const f of FORBIDDEN[w.short] ?? []) {
          if (f.test(s)) out.push(`${where(imp.line)}: ${w.manifest.name} must not import ${s}`);
        }
        if (!declared.has(name) && !(tooling && toolchain.has(name)) && name !== w.manifest.name) {
          out.push(
            `${where(imp.line)}: imports ${name}, which ${relative(root, w.dir)}/package.json does not declare`,
          );
        }
        const target = byName.get(name);
        if (!target) continue;
        if (subpath.startsWith('./src/') || !exportKeys(target.manifest).includes(subpath))
          out.push(`${where(imp.line)}: deep import ${s} (not in ${name}'s exports map)`);
        if (target === w) continue;
        const ok = test || (allowed ?? []).includes(target.short) || (EXCEPTIONS[w.short] ?? []).includes(s);
        if (!ok)
          out.push(`${where(imp.line)}: ${w.short} -> ${target.short} breaks the dependency direction`);
        if ((TYPE_ONLY[w.short] ?? []).includes(target.short) && !imp.typeOnly)
          out.push(`${where(imp.line)}: ${w.short} may import ${name} for types only`);
      }
    }
  }
  return out;
}

describe('architecture: the dependency rules hold over the import graph', () => {
  it('every package declares what it imports, imports through exports maps, and follows the direction', () => {
    expect(violations()).toEqual([]);
  });
});

describe('architecture: each rule fails on a violation', () => {
  it('reports undeclared, deep, escaping, forbidden and backwards imports in a scratch workspace', () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-arch-'));
    const pkg = (dir: string, name: string, deps: Record<string, string>, files: Record<string, string>) => {
      mkdirSync(join(root, dir, 'src'), { recursive: true });
      writeFileSync(
        join(root, dir, 'package.json'),
        JSON.stringify({
          name,
          exports: { '.': './src/index.ts', './image-reference': './src/x.ts' },
          dependencies: deps,
        }),
      );
      for (const [f, text] of Object.entries(files)) writeFileSync(join(root, dir, 'src', f), text);
    };
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ devDependencies: { vitest: '1' } }));
      mkdirSync(join(root, 'apps'));
      pkg(
        'apps/api',
        '@slipway/api',
        { '@slipway/drivers': '0', '@slipway/core': '0' },
        {
          'index.ts':
            "import { x } from '@slipway/drivers';\nimport { y } from '@slipway/core/src/verbs.ts';\n",
          'a.test.ts': "import { it } from 'vitest';\n",
        },
      );
      pkg(
        'packages/core',
        '@slipway/core',
        {},
        {
          'index.ts':
            "import { Hono } from 'hono';\nimport z from 'zod';\nimport { q } from '../../db/src/q.ts';\n",
        },
      );
      pkg(
        'packages/drivers',
        '@slipway/drivers',
        { '@slipway/contract': '0', '@slipway/core': '0' },
        {
          'index.ts':
            "import { ok } from '@slipway/contract/image-reference';\nimport { no } from '@slipway/contract';\nimport { c } from '@slipway/core';\n",
        },
      );
      pkg('packages/contract', '@slipway/contract', {}, { 'index.ts': '', 'x.ts': '' });
      pkg('packages/db', '@slipway/db', {}, { 'q.ts': '' });
      expect(violations(root).sort()).toEqual(
        [
          'apps/api/src/index.ts:1: @slipway/api must not import @slipway/drivers',
          'apps/api/src/index.ts:1: api -> drivers breaks the dependency direction',
          "apps/api/src/index.ts:2: deep import @slipway/core/src/verbs.ts (not in @slipway/core's exports map)",
          'packages/core/src/index.ts:1: @slipway/core must not import hono',
          'packages/core/src/index.ts:1: imports hono, which packages/core/package.json does not declare',
          'packages/core/src/index.ts:2: imports zod, which packages/core/package.json does not declare',
          'packages/core/src/index.ts:3: relative import ../../db/src/q.ts leaves @slipway/core',
          'packages/drivers/src/index.ts:2: drivers -> contract breaks the dependency direction',
          'packages/drivers/src/index.ts:3: drivers -> core breaks the dependency direction',
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('architecture: the import scanner', () => {
  it('finds static, type-only, re-exported, side-effect and dynamic imports, not commented ones', () => {
    const src = [
      "import { a } from 'x';",
      "import type { B } from '@s/y/sub';",
      "import {\n  type C,\n  type D,\n} from 'z';",
      "import { type E, f } from 'w';",
      "export { g } from './g.ts';",
      "export * from 'v';",
      "import 'side-effect';",
      "const m = await import('dyn');",
      "// import { no } from 'commented';",
      "/* import { no2 } from 'block'; */",
      "const url = 'https://example.com'; // import x from 'tail-comment'",
    ].join('\n');
    expect(importsOf(src)).toEqual([
      { specifier: 'x', typeOnly: false, line: 1 },
      { specifier: '@s/y/sub', typeOnly: true, line: 2 },
      { specifier: 'z', typeOnly: true, line: 3 },
      { specifier: 'w', typeOnly: false, line: 7 },
      { specifier: './g.ts', typeOnly: false, line: 8 },
      { specifier: 'v', typeOnly: false, line: 9 },
      { specifier: 'side-effect', typeOnly: false, line: 10 },
      { specifier: 'dyn', typeOnly: false, line: 11 },
    ]);
    expect(packageOf('@slipway/contract/image-reference')).toEqual({
      name: '@slipway/contract',
      subpath: './image-reference',
    });
    expect(packageOf('drizzle-orm/pg-core')).toEqual({ name: 'drizzle-orm', subpath: './pg-core' });
    expect(packageOf('zod')).toEqual({ name: 'zod', subpath: '.' });
  });
});
