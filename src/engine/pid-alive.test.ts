import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isPidAlive } from './pid-alive.ts';

describe('isPidAlive', () => {
  it('this process is alive', () => expect(isPidAlive(process.pid)).toBe(true));
  it('a finished child is not', () => {
    const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    expect(isPidAlive(Number(child.stdout.trim()))).toBe(false);
  });
  it.each([0, -1, 1.5, Number.NaN])('%d is not a PID', (pid) => expect(isPidAlive(pid)).toBe(false));
});
