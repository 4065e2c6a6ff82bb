/**
 * Progress of a running backup, restore or download, and of a session being waited for: one live
 * line on a terminal (a bar when the total is known, bytes and rate when it is not, as for a
 * database dump streamed into restic), structured log lines otherwise (a phase change at once,
 * progress at most every 10 s).
 */
import { SingleBar } from 'cli-progress';
import { formatBytes } from '../core/format.ts';
import type { ResticProgress } from '../engine/types.ts';
import type { CliContext } from './context.ts';

export interface ProgressState {
  /** What is moving, e.g. `backupsession/app-backup-x7k2p`. */
  label: string;
  phase?: string;
  progress?: ResticProgress;
}

export interface ProgressView {
  show(state: ProgressState): void;
  /** Ends the live line (a terminal gets its final state and a newline). */
  stop(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 24;

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function rateOf(p: ResticProgress): number | undefined {
  return p.secondsElapsed > 0 ? p.bytesDone / p.secondsElapsed : undefined;
}

/** True when restic knows how much there is to do (not for a dump streamed on stdin). */
function hasTotal(p: ResticProgress): boolean {
  return (p.totalBytes ?? 0) > 0 && p.percentDone > 0;
}

/** The live line's text (exported for tests). */
export function progressLine(state: ProgressState, elapsedSeconds: number, tick: number): string {
  const parts = [state.label];
  if (state.phase) parts.push(state.phase);
  const p = state.progress;
  if (p && hasTotal(p)) {
    const done = Math.min(BAR_WIDTH, Math.round(p.percentDone * BAR_WIDTH));
    const rate = rateOf(p);
    parts.push(
      `[${'█'.repeat(done)}${'░'.repeat(BAR_WIDTH - done)}]`,
      `${Math.floor(p.percentDone * 100)}%`,
      `${formatBytes(p.bytesDone)} / ${formatBytes(p.totalBytes ?? 0)}`,
      ...(rate === undefined ? [] : [`${formatBytes(rate)}/s`]),
    );
    if (rate && p.percentDone < 1) parts.push(`ETA ${clock(((p.totalBytes ?? 0) - p.bytesDone) / rate)}`);
  } else {
    parts.push(SPINNER[tick % SPINNER.length]!);
    if (p) {
      const rate = rateOf(p);
      parts.push(`${formatBytes(p.bytesDone)}`, ...(rate === undefined ? [] : [`${formatBytes(rate)}/s`]));
    }
    parts.push(clock(p?.secondsElapsed || elapsedSeconds));
  }
  return parts.join('  ');
}

/** The structured fields of a progress log line. */
export function progressFields(p: ResticProgress): Record<string, number> {
  const rate = rateOf(p);
  return {
    ...(hasTotal(p) ? { percent: Math.round(p.percentDone * 1000) / 10 } : {}),
    bytesDone: p.bytesDone,
    ...(p.totalBytes ? { totalBytes: p.totalBytes } : {}),
    ...(rate === undefined ? {} : { bytesPerSecond: Math.round(rate) }),
    seconds: p.secondsElapsed,
  };
}

export function createProgressView(
  ctx: CliContext,
  o: { logIntervalMs?: number; now?: () => number } = {},
): ProgressView {
  const now = o.now ?? Date.now;
  const started = now();
  if (ctx.stderrIsTTY) {
    let bar: SingleBar | undefined;
    let tick = 0;
    let state: ProgressState = { label: '' };
    return {
      show(next) {
        state = next;
        const line = progressLine(state, (now() - started) / 1000, tick++);
        if (!bar) {
          bar = new SingleBar({
            format: (_o, _p, payload: { line: string }) => payload.line,
            stream: process.stderr,
            hideCursor: true,
            fps: 5,
          });
          bar.start(100, 0, { line });
        } else {
          bar.update(Math.round((state.progress?.percentDone ?? 0) * 100), { line });
        }
      },
      stop() {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  const interval = o.logIntervalMs ?? 10_000;
  let lastPhase: string | undefined;
  let lastProgressAt = 0;
  return {
    show(state) {
      if (state.phase !== undefined && state.phase !== lastPhase) {
        lastPhase = state.phase;
        ctx.logger.info({ object: state.label, phase: state.phase }, 'phase');
      }
      const p = state.progress;
      if (!p) return;
      const t = now();
      if (t - lastProgressAt < interval && p.percentDone < 1) return;
      lastProgressAt = t;
      ctx.logger.info({ object: state.label, ...progressFields(p) }, 'progress');
    },
    stop() {
      // Log lines need no closing.
    },
  };
}

/** A ResticProgress sink over a view, for commands that run restic here (download). */
export function progressReporter(ctx: CliContext, label: string): (p: ResticProgress) => void {
  const view = createProgressView(ctx);
  return (p) => {
    view.show({ label, progress: p });
    if (p.percentDone >= 1) view.stop();
  };
}
