import { describe, expect, it } from 'vitest';
import { progressFields, progressLine } from './progress.ts';

describe('progressLine', () => {
  it('draws a bar with percent, sizes, rate and ETA when restic knows the total', () => {
    const line = progressLine(
      {
        label: 'snapshot 4bd2f1a0',
        progress: {
          percentDone: 0.5,
          bytesDone: 50 * 1024 ** 2,
          totalBytes: 100 * 1024 ** 2,
          secondsElapsed: 10,
        },
      },
      10,
      0,
    );
    expect(line).toBe(
      `snapshot 4bd2f1a0  [${'█'.repeat(12)}${'░'.repeat(12)}]  50%  50.000 MiB / 100.000 MiB  5.000 MiB/s  ETA 0:10`,
    );
  });

  it('shows bytes, rate and elapsed time for a dump streamed on stdin (no total)', () => {
    const line = progressLine(
      {
        label: 'backupsession/b-x',
        phase: 'Running',
        progress: { percentDone: 0, bytesDone: 3 * 1024 ** 3, secondsElapsed: 3725 },
      },
      0,
      1,
    );
    expect(line).toBe('backupsession/b-x  Running  ⠙  3.000 GiB  844.491 KiB/s  1:02:05');
  });

  it('shows a spinner and the wait so far before any progress', () => {
    expect(progressLine({ label: 'restoresession/r', phase: 'Pending' }, 65, 2)).toBe(
      'restoresession/r  Pending  ⠹  1:05',
    );
  });
});

describe('progressFields', () => {
  it('gives percent only when it means something', () => {
    expect(progressFields({ percentDone: 0, bytesDone: 100, secondsElapsed: 4 })).toEqual({
      bytesDone: 100,
      bytesPerSecond: 25,
      seconds: 4,
    });
    expect(
      progressFields({ percentDone: 0.256, bytesDone: 256, totalBytes: 1000, secondsElapsed: 0 }),
    ).toEqual({
      percent: 25.6,
      bytesDone: 256,
      totalBytes: 1000,
      seconds: 0,
    });
  });
});
