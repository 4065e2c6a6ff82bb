import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.ts';
import { parseDumpArgs } from './dump-options.ts';

const issuesOf = (args: string[]) => {
  try {
    parseDumpArgs(args);
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
};

describe('parseDumpArgs', () => {
  it('has defaults: every part but the analyzer copy, cluster defaults for slices and batch size', () => {
    const o = parseDumpArgs([]);
    expect([...o.parts].sort()).toEqual(['alias', 'data', 'mapping', 'settings', 'template']);
    expect(o).toMatchObject({ slices: undefined, batchSize: undefined, warnings: [] });
    expect(o.filter).toMatchObject({ match: undefined, include: [], exclude: [], includeHidden: false });
  });

  it('reads our flags, in both --flag=value and --flag value forms', () => {
    const o = parseDumpArgs([
      '--match=^(?![.])(?!kubedb-system).+',
      '--include',
      'a-*,b',
      '--exclude=c',
      '--include-hidden',
      '--slices=6',
      '--batch-size',
      '3000',
    ]);
    expect(o.filter.match?.source).toBe('^(?![.])(?!kubedb-system).+');
    expect(o.filter.match?.flags).toBe('i');
    expect(o.filter).toMatchObject({ include: ['a-*', 'b'], exclude: ['c'], includeHidden: true });
    expect(o).toMatchObject({ slices: 6, batchSize: 3000 });
  });

  it("maps multielasticdump's flags", () => {
    const o = parseDumpArgs(['--parallel=3', '--limit=500', "--ignoreType='template'", '--ignoreType=alias']);
    expect(o).toMatchObject({ slices: 3, batchSize: 500 });
    expect([...o.parts].sort()).toEqual(['data', 'mapping', 'settings']);
    expect([...parseDumpArgs(['--includeType=data,analyzer']).parts].sort()).toEqual(['analyzer', 'data']);
    expect(parseDumpArgs(['--ignoreData=true']).parts.has('data')).toBe(false);
    expect(parseDumpArgs(['--ignoreAnalyzer=false']).parts.has('analyzer')).toBe(true);
  });

  it('prefers ours over multielasticdump’s when both are given', () => {
    const o = parseDumpArgs(['--slices=4', '--parallel=2', '--batch-size=100', '--limit=50']);
    expect(o).toMatchObject({ slices: 4, batchSize: 100 });
    expect(o.warnings).toEqual([
      '--parallel=2 ignored: --slices=4 is given',
      '--limit=50 ignored: --batch-size=100 is given',
    ]);
  });

  it('warns about flags it ignores, naming them, and skips their values', () => {
    const o = parseDumpArgs([
      '--scrollTime',
      '10m',
      '--fsCompress',
      '--input-ca=/x',
      '--frobnicate=1',
      'stray',
    ]);
    expect(o.warnings).toEqual([
      'ignoring multielasticdump option --scrollTime: Stowage reads a point in time (or its own scroll)',
      'ignoring multielasticdump option --fsCompress: files are written uncompressed (restic compresses)',
      'ignoring multielasticdump option --input-ca: the connection comes from the AppBinding',
      'ignoring unknown option --frobnicate',
      'ignoring argument "stray": only --flag=value options are understood',
    ]);
  });

  it('names the flag and what it expects for malformed values', () => {
    expect(issuesOf(['--slices=0', '--batch-size=20000', '--limit=x', '--include-hidden=maybe'])).toEqual([
      '--slices: must be a whole number from 1 to 256, got "0"',
      '--batch-size: must be a whole number from 1 to 10000, got "20000"',
      '--limit: must be a whole number from 1 to 10000, got "x"',
      '--include-hidden: must be true or false, got "maybe"',
    ]);
    expect(issuesOf(['--includeType=data,mapings'])).toEqual([
      '--includeType: unknown type "mapings"; expected a comma-separated list of data, mapping, analyzer, alias, settings, template',
    ]);
    expect(issuesOf(['--match=(']).join()).toMatch(/^--match: must be a regular expression/);
    expect(issuesOf(['--slices'])).toEqual(['--slices: needs a value (--slices=<n>)']);
  });
});
