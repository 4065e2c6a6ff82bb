import { describe, expect, it } from 'vitest';
import { cleanSettings, sourceDisabled } from './index-metadata.ts';

describe('cleanSettings', () => {
  it('drops what the cluster assigned (whole groups at once) and reset settings, keeps the rest', () => {
    const { settings, removed } = cleanSettings({
      index: {
        uuid: 'u',
        creation_date: '1',
        provided_name: 'p',
        version: { created: '7', upgraded: '7' },
        history: { uuid: 'h' },
        resize: { source: { name: 's', uuid: 'u' } },
        shrink: { source: { name: 's' } },
        routing: {
          allocation: { initial_recovery: { _id: 'n' }, include: { _tier_preference: 'data_content' } },
        },
        verified_before_close: 'true',
        blocks: { write: null, read_only_allow_delete: 'true', read_only: 'true' },
        number_of_shards: '3',
        refresh_interval: '7s',
        analysis: { analyzer: { a: { type: 'custom', filter: ['lowercase'] } } },
      },
    });
    expect(settings).toEqual({
      index: {
        routing: { allocation: { include: { _tier_preference: 'data_content' } } },
        blocks: { read_only: 'true' },
        number_of_shards: '3',
        refresh_interval: '7s',
        analysis: { analyzer: { a: { type: 'custom', filter: ['lowercase'] } } },
      },
    });
    expect(removed).toEqual([
      'index.blocks.read_only_allow_delete',
      'index.creation_date',
      'index.history.uuid',
      'index.provided_name',
      'index.resize.source',
      'index.routing.allocation.initial_recovery._id',
      'index.shrink.source',
      'index.uuid',
      'index.verified_before_close',
      'index.version.created',
      'index.version.upgraded',
    ]);
  });

  it('works on flat settings too', () => {
    expect(cleanSettings({ 'index.uuid': 'u', 'index.number_of_shards': '1' }).settings).toEqual({
      'index.number_of_shards': '1',
    });
  });
});

describe('sourceDisabled', () => {
  it('reads typeless and Elasticsearch 6 typed mappings', () => {
    expect(sourceDisabled({ _source: { enabled: false }, properties: {} })).toBe(true);
    expect(sourceDisabled({ _doc: { _source: { enabled: false } } })).toBe(true);
    expect(sourceDisabled({ _source: { excludes: ['x'] } })).toBe(false);
    expect(sourceDisabled({})).toBe(false);
  });
});
