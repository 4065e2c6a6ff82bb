import { describe, expect, it } from 'vitest';
import {
  creatableSettings,
  dropSetting,
  mappingType,
  nestSettings,
  planIndex,
  targetMappings,
} from './index-plan.ts';

describe('settings', () => {
  it('nests flat keys and merges them with nested ones', () => {
    expect(
      nestSettings({
        'index.number_of_shards': '2',
        index: { refresh_interval: '5s' },
        'index.analysis.analyzer.a.type': 'standard',
      }),
    ).toEqual({
      index: {
        number_of_shards: '2',
        refresh_interval: '5s',
        analysis: { analyzer: { a: { type: 'standard' } } },
      },
    });
  });

  it('drops what the cluster assigns, keeps the rest', () => {
    const s = creatableSettings({
      index: {
        uuid: 'u',
        creation_date: '1',
        version: { created: '7170299' },
        provided_name: 'x',
        routing: {
          allocation: { initial_recovery: { _id: 'n' }, include: { _tier_preference: 'data_content' } },
        },
        number_of_shards: '2',
        analysis: { analyzer: { a: { type: 'standard' } } },
      },
      archived: { x: 1 },
    });
    expect(s).toEqual({
      index: {
        routing: { allocation: { include: { _tier_preference: 'data_content' } } },
        number_of_shards: '2',
        analysis: { analyzer: { a: { type: 'standard' } } },
      },
    });
    // `{settings: {index}}`, as GET _settings answers per index, is unwrapped
    expect(creatableSettings({ settings: { index: { number_of_shards: '3' } } })).toEqual({
      index: { number_of_shards: '3' },
    });
  });

  it('removes a setting by its dotted name', () => {
    const create = { settings: { index: { replication: { type: 'DOCUMENT' }, number_of_shards: '1' } } };
    expect(dropSetting(create, 'index.replication.type')).toBe(true);
    expect(dropSetting(create, 'index.nothing.here')).toBe(false);
    expect(create.settings.index).toEqual({ replication: {}, number_of_shards: '1' });
  });
});

describe('mappings', () => {
  it('tells a type name from a typeless root', () => {
    expect(mappingType({ _doc: { properties: {} } })).toBe('_doc');
    expect(mappingType({ product: { properties: {} } })).toBe('product');
    expect(mappingType({ properties: { a: { type: 'text' } } })).toBeUndefined();
    expect(mappingType({ dynamic: 'strict' })).toBeUndefined();
    expect(mappingType({ _source: { enabled: false } })).toBeUndefined();
    expect(mappingType({})).toBeUndefined();
  });

  it('moves between the typed and typeless shapes', () => {
    const typeless = { properties: { a: { type: 'keyword' } } };
    expect(targetMappings({ product: typeless }, false)).toEqual({ mappings: typeless, type: undefined });
    expect(targetMappings(typeless, true)).toEqual({ mappings: { _doc: typeless }, type: '_doc' });
    expect(targetMappings({ product: typeless }, true)).toEqual({
      mappings: { product: typeless },
      type: 'product',
    });
    expect(targetMappings(typeless, false)).toEqual({ mappings: typeless, type: undefined });
    expect(targetMappings({}, true)).toEqual({ mappings: undefined, type: undefined });
  });
});

describe('planIndex', () => {
  const record = {
    meta: 'index' as const,
    name: 'shop',
    settings: {
      index: {
        number_of_shards: '2',
        number_of_replicas: '2',
        refresh_interval: '7s',
        blocks: { write: 'true' },
        hidden: 'true',
        uuid: 'x',
      },
    },
    mappings: { _doc: { properties: { t: { type: 'text' } } } },
    aliases: {
      shop: {},
      red: { filter: { term: { tag: 'red' } }, index_routing: 'r1', search_routing: 'r1' },
    },
  };

  it('creates for a fast load and puts the saved settings back afterwards', () => {
    const p = planIndex(record, { mappingTypes: false });
    expect(p.create).toEqual({
      settings: {
        index: { number_of_shards: '2', hidden: 'true', number_of_replicas: 0, refresh_interval: '-1' },
      },
      mappings: { properties: { t: { type: 'text' } } },
    });
    expect(p.finalSettings).toEqual({
      index: { number_of_replicas: '2', refresh_interval: '7s', blocks: { write: 'true' } },
    });
    expect(p.aliasActions).toEqual([
      { add: { index: 'shop', alias: 'shop' } },
      {
        add: {
          index: 'shop',
          alias: 'red',
          filter: { term: { tag: 'red' } },
          index_routing: 'r1',
          search_routing: 'r1',
        },
      },
    ]);
    expect(p.aliases).toEqual(['shop', 'red']);
    expect(p.hidden).toBe(true);
    expect(p.bulkType).toBeUndefined();
  });

  it('resets unsaved settings to their defaults and turns auto-expand off during the load', () => {
    const p = planIndex(
      { ...record, settings: { index: { number_of_shards: '1', auto_expand_replicas: '0-1' } } },
      { mappingTypes: true },
    );
    expect(p.create.settings).toEqual({
      index: {
        number_of_shards: '1',
        auto_expand_replicas: false,
        number_of_replicas: 0,
        refresh_interval: '-1',
      },
    });
    expect(p.finalSettings).toEqual({
      index: { number_of_replicas: null, auto_expand_replicas: '0-1', refresh_interval: null },
    });
    expect(p.bulkType).toBe('_doc');
  });
});
