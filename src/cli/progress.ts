/**
 * Progress of a running backup or restore: a bar on a terminal, structured log lines (at most one
 * every 10 s) otherwise.
 */
import { SingleBar, Presets } from 'cli-progress';
import { formatBytes } from '../core/format.ts';
import type { ResticProgress } from '../engine/types.ts';
import type { CliContext } from './context.ts';

export function progressReporter(ctx: CliContext): ((p: ResticProgress) => void) | undefined {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: '{bar} {percentage}% | {done} | {eta_formatted}', stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    return (p) => {
      if (!started) {
        bar.start(100, 0, { done: '' });
        started = true;
      }
      bar.update(Math.round(p.percentDone * 100), { done: formatBytes(p.bytesDone) });
      if (p.percentDone >= 1) bar.stop();
    };
  }
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 10_000 && p.percentDone < 1) return;
    last = now;
    ctx.logger.info(
      {
        percent: Math.round(p.percentDone * 1000) / 10,
        bytesDone: p.bytesDone,
        totalBytes: p.totalBytes,
        seconds: p.secondsElapsed,
      },
      'progress',
    );
  };
}
