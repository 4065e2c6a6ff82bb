import { describe, expect, it } from 'vitest';
import { templateRecord as t } from './archive-format.ts';
import { sortTemplates, templateBody } from './restore-templates.ts';

describe('templates', () => {
  it('puts component templates first, then composable, then legacy', () => {
    const sorted = sortTemplates([
      t('legacy', 'a'),
      t('composable', 'b'),
      t('component', 'z'),
      t('component', 'c'),
    ]);
    expect(sorted.map((x) => `${x.kind}/${x.name}`)).toEqual([
      'component/c',
      'component/z',
      'composable/b',
      'legacy/a',
    ]);
  });

  it('moves legacy mappings between the typed and typeless shapes and drops read-only fields', () => {
    const typed = t('legacy', 'l', {
      index_patterns: ['x*'],
      mappings: { _doc: { properties: { f: { type: 'keyword' } } } },
    });
    expect(templateBody(typed, false)).toEqual({
      index_patterns: ['x*'],
      mappings: { properties: { f: { type: 'keyword' } } },
    });
    expect(templateBody(typed, true)).toEqual(typed.body);
    const typeless = t('legacy', 'l', { mappings: { properties: {} } });
    expect(templateBody(typeless, true)).toEqual({ mappings: { _doc: { properties: {} } } });
    expect(
      templateBody(t('composable', 'c', { index_patterns: ['c*'], created_date_millis: 1 }), false),
    ).toEqual({
      index_patterns: ['c*'],
    });
  });
});
