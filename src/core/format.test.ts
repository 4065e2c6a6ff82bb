import { describe, expect, it } from 'vitest';
import { StowageError } from '../errors.ts';
import {
  formatBytes,
  formatGoDuration,
  formatProcessingTime,
  HOUR,
  MILLISECOND,
  MINUTE,
  parseBytes,
  parseGoDuration,
  parseProcessingTime,
  SECOND,
  sessionDuration,
} from './format.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof StowageError ? e.code : 'not a StowageError';
  }
  return undefined;
}

describe('formatBytes / parseBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.000 KiB'],
    [3892, '3.801 KiB'],
    [3573547, '3.408 MiB'],
    [1024 ** 3 * 2.5, '2.500 GiB'],
    [1024 ** 4 * 3, '3.000 TiB'],
    [1024 ** 5, '1024.000 TiB'],
    [1088, '1.062 KiB'], // 1.0625 exactly: Go rounds the half to even
    [1090, '1.064 KiB'],
  ])('Given %d bytes, When formatted, Then %s', (n, want) => {
    expect(formatBytes(n)).toBe(want);
  });

  it.each([
    ['512 B', 512],
    ['1.000 KiB', 1024],
    ['3.408 MiB', Math.round(3.408 * 1024 ** 2)],
    ['2.5 GiB', 2.5 * 1024 ** 3],
    ['1TiB', 1024 ** 4],
  ])('Given %s, When parsed, Then %d bytes', (s, want) => {
    expect(parseBytes(s)).toBe(want);
  });

  it('Given a non-size, When parsed, Then INVALID_SIZE', () => {
    expect(codeOf(() => parseBytes('3 MB'))).toBe('INVALID_SIZE');
  });

  it('Given a negative count, When formatted, Then it throws', () => {
    expect(() => formatBytes(-1)).toThrow(RangeError);
  });
});

describe('Go durations', () => {
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [831018039, '831.018039ms'],
    [54 * SECOND, '54s'],
    [64.5 * SECOND, '1m4.5s'],
    [HOUR, '1h0m0s'],
    [90 * MINUTE, '1h30m0s'],
    [-2 * SECOND, '-2s'],
    [100 * HOUR + 1, '100h0m0.000000001s'],
  ])('Given %d ns, When formatted, Then %s', (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });

  it.each([
    ['10m', 10 * MINUTE],
    ['1h30m', 90 * MINUTE],
    ['1m4.5s', 64.5 * SECOND],
    ['831.018039ms', 831018039],
    ['1.5µs', 1500],
    ['1.5us', 1500],
    ['0', 0],
    ['-1h', -HOUR],
    ['.5s', 500 * MILLISECOND],
  ])('Given %s, When parsed, Then %d ns', (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  it.each(['', '10', 'h', '1x', '1h 30m', '.s', '-'])(
    'Given the bad duration %j, When parsed, Then INVALID_DURATION',
    (s) => {
      expect(codeOf(() => parseGoDuration(s))).toBe('INVALID_DURATION');
    },
  );

  it.each(['1h2m3.5s', '831.018039ms', '54s', '0s', '1h0m0s'])(
    'Given %s, When parsed and formatted, Then it round-trips',
    (s) => {
      expect(formatGoDuration(parseGoDuration(s))).toBe(s);
    },
  );
});

describe('processing time', () => {
  // Whole seconds and their text: on these, formatting and parsing undo each other.
  const both: [number, string][] = [
    [0, '0:00'],
    [65, '1:05'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3723, '1:02:03'],
  ];

  it.each([...both, [5.9, '0:05']])('Given %d s, When formatted, Then %s', (n, want) => {
    expect(formatProcessingTime(n)).toBe(want);
  });

  it.each([...both.map(([n, text]) => [text, n] as const), ['42', 42] as const])(
    'Given %s, When parsed, Then %d s',
    (text, want) => {
      expect(parseProcessingTime(text)).toBe(want);
    },
  );

  it('Given a malformed processing time, When parsed, Then INVALID_DURATION', () => {
    expect(codeOf(() => parseProcessingTime('1:2:3:4'))).toBe('INVALID_DURATION');
    expect(codeOf(() => parseProcessingTime('a:b'))).toBe('INVALID_DURATION');
  });
});

describe('sessionDuration', () => {
  it.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:54.400Z', '54s'],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:54.500Z', '55s'],
    ['2024-01-01T00:00:00Z', '2024-01-01T01:02:03.000Z', '1h2m3s'],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.300Z', '0s'],
  ])('Given created %s and now %s, When measured, Then %s', (created, now, want) => {
    expect(sessionDuration(created, new Date(now))).toBe(want);
  });

  it('Given an invalid timestamp, When measured, Then INVALID_TIMESTAMP', () => {
    expect(codeOf(() => sessionDuration('nope', new Date()))).toBe('INVALID_TIMESTAMP');
  });
});
