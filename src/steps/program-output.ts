/**
 * Lines an addon's program writes on stderr (progress as JSON lines, warnings, errors) become the
 * step's log lines, so a Job's log shows how far a dump or a load is. The tail of stderr also
 * lands in the failure message when the program fails (src/engine/run-plan.ts).
 */
import type { Logger } from 'pino';

export function programOutputLogger(log: Logger, program: string): (line: string) => void {
  return (line) => {
    const text = line.trim();
    if (text === '') return;
    if (text.startsWith('{')) {
      try {
        const { msg, level, time: _time, ...fields } = JSON.parse(text) as Record<string, unknown>;
        const message = typeof msg === 'string' ? msg : `${program} output`;
        if (level === 'warn' || level === 'error') log.warn({ program, ...fields }, message);
        else log.info({ program, ...fields }, message);
        return;
      } catch {
        // not JSON after all: fall through
      }
    }
    if (/^(error|warning)\b/i.test(text)) log.warn({ program }, text);
    else log.debug({ program }, text);
  };
}
