/** pino: JSON lines in jobs and clusters, pretty on a terminal. Secrets are redacted by key name. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string, format: 'json' | 'pretty', name = 'stowage'): Logger {
  const redact = { paths: ['*.password', '*.RESTIC_PASSWORD', '*.env', '*.secret'], censor: '[redacted]' };
  if (format === 'pretty') {
    return pino({
      name,
      level,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' },
      },
    });
  }
  return pino({ name, level, redact }, pino.destination(2));
}
