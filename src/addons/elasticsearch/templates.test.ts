import { describe, expect, it } from 'vitest';
import { templateRecord as t } from './archive-format.ts';
import { builtInReason, selectTemplates } from './templates.ts';

describe('builtInReason', () => {
  it('skips dot names, managed templates and X-Pack legacy templates', () => {
    expect(builtInReason('legacy', '.monitoring-es', {})).toMatch(/starts with "."/);
    expect(builtInReason('composable', 'logs', { _meta: { managed: true } })).toMatch(/managed/);
    expect(builtInReason('component', 'logs@mappings', { _meta: { managed: true } })).toMatch(/managed/);
    expect(builtInReason('legacy', 'security-index-template', {})).toMatch(/X-Pack/);
    expect(builtInReason('legacy', 'security_audit_log', {})).toMatch(/X-Pack/);
    expect(builtInReason('legacy', 'ilm-history', {})).toMatch(/X-Pack/);
  });

  it('keeps user templates, including legacy ones named logs or metrics', () => {
    expect(builtInReason('legacy', 'logs', {})).toBeUndefined();
    expect(builtInReason('composable', 'orders', { _meta: { managed: false } })).toBeUndefined();
    expect(builtInReason('legacy', 'my-template', {})).toBeUndefined();
  });
});

describe('selectTemplates', () => {
  it('orders components before composables before legacy, by name, and lists what it skipped', () => {
    const { templates, skipped } = selectTemplates([
      t('legacy', 'b'),
      t('composable', 'z'),
      t('legacy', '.x'),
      t('component', 'c2'),
      t('component', 'c1'),
      t('legacy', 'a'),
    ]);
    expect(templates.map((x) => `${x.kind}/${x.name}`)).toEqual([
      'component/c1',
      'component/c2',
      'composable/z',
      'legacy/a',
      'legacy/b',
    ]);
    expect(skipped).toEqual([
      { kind: 'legacy', name: '.x', reason: 'a system template (the name starts with ".")' },
    ]);
  });
});
