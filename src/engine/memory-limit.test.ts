import { describe, expect, it } from 'vitest';
import { cgroupMemoryLimit, resticMemoryTarget } from './memory-limit.ts';

const files = (map: Record<string, string>) => (path: string) => {
  const v = map[path];
  if (v === undefined) throw new Error('ENOENT');
  return v;
};

describe('cgroupMemoryLimit', () => {
  it('reads cgroup v2 memory.max', () => {
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': '268435456\n' }))).toBe(268435456);
  });
  it('treats "max" as unlimited', () => {
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max\n' }))).toBeUndefined();
  });
  it('falls back to cgroup v1 and treats its huge value as unlimited', () => {
    expect(
      cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })),
    ).toBeUndefined();
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '536870912' }))).toBe(
      536870912,
    );
  });
  it('is undefined when no cgroup file exists', () => {
    expect(cgroupMemoryLimit(files({}))).toBeUndefined();
  });
});

describe('resticMemoryTarget', () => {
  it('leaves restic alone without a limit', () => {
    expect(resticMemoryTarget(undefined)).toBeUndefined();
  });
  it('gives restic the limit minus what the step process and the dump tool need', () => {
    expect(resticMemoryTarget(512 * 1024 * 1024)).toBe('352MiB');
  });
  it('never goes below the floor restic needs', () => {
    expect(resticMemoryTarget(128 * 1024 * 1024)).toBe('64MiB');
  });
});
