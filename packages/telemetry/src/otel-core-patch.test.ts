// patches/@opentelemetry+core+3.1.0.patch: @opentelemetry/core's attribute checks allocated a WeakSet
// for every attribute value (isAnyValue's cycle check, needed only for arrays and plain objects) and an
// array per attribute (cleanAttributes' Object.entries), on every span start and setAttribute: 4-6% of
// the bytes a status poll allocates (bench/README.md). The patch decides every other value without the
// set and walks Object.keys. These tests run both builds (ESM and CommonJS) the bundles and the SDK load
// and check the answers are the ones the unpatched code gives, and that the patch is there.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Core = {
  isAnyValue(v: unknown): boolean;
  cleanAttributes(
    a: unknown,
    limits: { attributeCountLimit: number; attributeValueLengthLimit: number },
  ): { attributes?: Record<string, unknown>; droppedAttributesCount?: number };
};

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('@opentelemetry/core'));
const builds: [string, string, () => Promise<Core>][] = [
  ['ESM', 'common/attributes.mjs', async () => import(pathToFileURL(join(dist, 'index.mjs')).href)],
  ['CommonJS', 'common/attributes.cjs', async () => require(join(dist, 'index.cjs'))],
];

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const shared = { x: 'y' };
const values: [string, unknown, boolean][] = [
  ['string', 'GET /api/deployments/:id', true],
  ['empty string', '', true],
  ['number', 42.5, true],
  ['NaN', Number.NaN, true],
  ['boolean', false, true],
  ['null', null, true],
  ['undefined', undefined, false],
  ['bigint', 10n, false],
  ['symbol', Symbol('s'), false],
  ['function', () => 1, false],
  ['bytes', new Uint8Array([1, 2]), true],
  ['Buffer', Buffer.from('ab'), true],
  ['array', ['a', 1, null, undefined, [true]], true],
  ['array with a function', ['a', () => 1], false],
  ['plain object', { a: 'b', n: { m: [1, 2] }, u: undefined }, true],
  ['object without a prototype', Object.assign(Object.create(null), { a: 1 }), true],
  ['Date', new Date(0), false],
  ['object holding a Date', { d: new Date(0) }, false],
  ['a cycle', cyclic, false],
  ['the same object twice (no cycle)', { a: shared, b: [shared, shared] }, true],
];

describe.each(builds)('@opentelemetry/core patch (%s)', (_name, file, load) => {
  it('is applied', () => {
    const text = readFileSync(join(dist, file), 'utf8');
    expect(text).toContain(
      'a string, number or boolean attribute no longer allocates a WeakSet (slipway patch)',
    );
    expect(text).toContain('for (const key of Object.keys(inAttributes))');
  });

  it.each(values)('isAnyValue: %s', async (_what, value, valid) => {
    expect((await load()).isAnyValue(value)).toBe(valid);
  });

  it('cleanAttributes keeps, drops, counts and truncates as before', async () => {
    const { cleanAttributes } = await load();
    const attrs = {
      'http.route': '/api/deployments/:id',
      status: 200,
      ok: true,
      skipped: undefined,
      fn: () => 1,
      '': 'no key',
      list: ['abcdef', 'x'],
      nested: { long: 'abcdefgh' },
    };
    expect(cleanAttributes(attrs, { attributeCountLimit: 128, attributeValueLengthLimit: 4 })).toEqual({
      attributes: {
        'http.route': '/api',
        status: 200,
        ok: true,
        list: ['abcd', 'x'],
        nested: { long: 'abcd' },
      },
      droppedAttributesCount: 2,
    });
    // The count limit: the first two kept in key order, the rest counted as dropped.
    expect(
      cleanAttributes({ a: 1, b: 2, c: 3 }, { attributeCountLimit: 2, attributeValueLengthLimit: 10 }),
    ).toEqual({ attributes: { a: 1, b: 2 }, droppedAttributesCount: 1 });
    // Own enumerable keys only, as Object.entries read them; getters are read once.
    let reads = 0;
    const proto = { inherited: 'no' };
    const withGetter = Object.create(proto, {
      g: { enumerable: true, get: () => `v${++reads}` },
      hidden: { enumerable: false, value: 'no' },
    });
    expect(cleanAttributes(withGetter, { attributeCountLimit: 128, attributeValueLengthLimit: 100 })).toEqual(
      {
        attributes: { g: 'v1' },
        droppedAttributesCount: 0,
      },
    );
    expect(reads).toBe(1);
    expect(cleanAttributes(undefined, { attributeCountLimit: 1, attributeValueLengthLimit: 1 })).toEqual({});
  });
});
