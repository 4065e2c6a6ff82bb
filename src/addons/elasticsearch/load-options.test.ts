import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.ts';
import { DEFAULT_BULK_BYTES, defaultConcurrency, parseLoadOptions } from './load-options.ts';

function parse(args: string[]) {
  const warnings: string[] = [];
  const options = parseLoadOptions(args, { cores: 2, warn: (m) => warnings.push(m) });
  return { options, warnings };
}

function issues(args: string[]): string[] {
  try {
    parse(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('parseLoadOptions', () => {
  it('has defaults that restore everything', () => {
    const { options, warnings } = parse([]);
    expect(options.concurrency).toBe(defaultConcurrency(2));
    expect(options.bulkBytes).toBe(DEFAULT_BULK_BYTES);
    expect(options.bulkDocs).toBeUndefined();
    expect(options.deleteExisting).toBe(false);
    expect(Object.values(options.parts).every(Boolean)).toBe(true);
    expect(options.filter.includeHidden).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('reads our flags, with = or as the next argument', () => {
    const { options } = parse([
      '--match=^shop',
      '--include',
      'a-*,b',
      '--exclude=tmp-*',
      '--include-hidden',
      '--delete-existing',
      '--concurrency=12',
      '--bulk-bytes=4m',
      '--retry-timeout=30',
      '--health-timeout',
      '5',
    ]);
    expect(options.filter.match?.source).toBe('^shop');
    expect(options.filter.include).toEqual(['a-*', 'b']);
    expect(options.filter.exclude).toEqual(['tmp-*']);
    expect(options.filter.includeHidden).toBe(true);
    expect(options.deleteExisting).toBe(true);
    expect(options.concurrency).toBe(12);
    expect(options.bulkBytes).toBe(4 * 1024 * 1024);
    expect(options.retryTimeoutMs).toBe(30_000);
    expect(options.healthTimeoutSeconds).toBe(5);
  });

  it("maps multielasticdump's flags", () => {
    const { options, warnings } = parse([
      '--parallel=3',
      '--limit=500',
      '--delete=true',
      '--ignoreType=template,alias',
      '--input=/backup',
      '--direction',
      'load',
    ]);
    expect(options.concurrency).toBe(3);
    expect(options.bulkDocs).toBe(500);
    expect(options.deleteExisting).toBe(true);
    expect(options.parts).toMatchObject({ template: false, alias: false, data: true, mapping: true });
    expect(warnings).toEqual([
      'ignoring flag --input: the Stowage restore does not use it',
      'ignoring flag --direction: the Stowage restore does not use it',
    ]);
  });

  it('--includeType lists the parts to restore; --delete=false keeps refusing', () => {
    const { options } = parse(['--includeType=data,mapping', '--delete=false']);
    expect(options.parts).toEqual({
      data: true,
      mapping: true,
      settings: false,
      analyzer: false,
      alias: false,
      template: false,
    });
    expect(options.deleteExisting).toBe(false);
  });

  it('--concurrency wins over --parallel', () => {
    expect(parse(['--parallel=2', '--concurrency=5']).options.concurrency).toBe(5);
  });

  it('accepts byte sizes with suffixes', () => {
    expect(parse(['--bulk-bytes=512k']).options.bulkBytes).toBe(512 * 1024);
    expect(parse(['--bulk-bytes=10MB']).options.bulkBytes).toBe(10 * 1024 * 1024);
    expect(parse(['--bulk-bytes=2097152']).options.bulkBytes).toBe(2097152);
  });

  it('names the flag and what it expects for a malformed value', () => {
    expect(issues(['--concurrency=lots'])).toEqual([
      '--concurrency: must be a whole number from 1 to 256, got "lots"',
    ]);
    expect(issues(['--parallel=0'])).toEqual(['--parallel: must be a whole number from 1 to 256, got "0"']);
    expect(issues(['--bulk-bytes=huge'])[0]).toMatch(/^--bulk-bytes: must be a size/);
    expect(issues(['--limit=-1'])[0]).toMatch(/^--limit: /);
    expect(issues(['--delete=maybe'])).toEqual(['--delete: must be true or false, got "maybe"']);
    expect(issues(['--ignoreType=data,nonsense'])[0]).toMatch(/^--ignoreType: "nonsense" is not one of data/);
    expect(issues(['--match=(['])[0]).toMatch(/^--match: must be a regular expression/);
    expect(issues(['--concurrency=x', '--limit=y'])).toHaveLength(2);
  });

  it('warns about stray arguments and ignored flags with their values', () => {
    const { options, warnings } = parse(['stray', '--scrollTime', '10m', '--quiet']);
    expect(warnings).toEqual([
      'ignoring argument "stray": the restore takes only --flags',
      'ignoring flag --scrollTime: the Stowage restore does not use it',
      'ignoring flag --quiet: the Stowage restore does not use it',
    ]);
    expect(options.concurrency).toBe(defaultConcurrency(2));
  });

  it('accepts types multielasticdump knows but a restore does not need', () => {
    expect(parse(['--ignoreType=policy']).options.parts.data).toBe(true);
  });
});
